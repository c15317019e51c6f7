import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * Which worker process made each checkout, so that the checkouts of a worker that was killed are removed when the next
 * worker starts on the same workspace folder (a killed worker cleans nothing up). The owner is a file beside the
 * checkout (`<dir>.owner`), outside what any sandbox sees: host, pid, and the process's start time, so a pid the
 * kernel gave to another process since does not keep a dead worker's checkouts alive.
 */

interface Owner {
  host: string;
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22); '' where /proc is missing. */
  started: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const self: Owner = { host: hostname(), pid: process.pid, started: startTimeOf(process.pid) ?? '' };

export function ownerFile(dir: string): string {
  return `${dir}.owner`;
}

/** Records this process as the owner of the checkout at `dir`. */
export async function claimCheckout(dir: string): Promise<void> {
  // Made here too: a run's folder goes when its last checkout does, maybe just before this one claims a place in it.
  await mkdir(path.dirname(dir), { recursive: true });
  await writeFile(ownerFile(dir), JSON.stringify(self));
}

/** True when the owner is a process of this host that no longer runs (or whose pid now names another process). */
function isGone(owner: Owner): boolean {
  if (owner.host !== self.host) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const started = startTimeOf(owner.pid);
  return owner.started !== '' && started !== undefined && started !== owner.started;
}

/**
 * Removes every checkout under `checkoutsDir` (`<runId>/<checkout>`) whose owner process is gone, and run folders left
 * empty. Checkouts of live workers, of other hosts sharing the folder, and without an owner file stay. Returns the
 * paths removed.
 */
export async function removeOrphanedCheckouts(checkoutsDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const run of await readdir(checkoutsDir).catch(() => [] as string[])) {
    const runDir = path.join(checkoutsDir, run);
    const entries = await readdir(runDir).catch(() => [] as string[]);
    for (const entry of entries.filter((e) => e.endsWith('.owner'))) {
      const file = path.join(runDir, entry);
      const owner = await readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as Owner)
        .catch(() => undefined);
      if (!owner || !isGone(owner)) continue;
      const dir = file.slice(0, -'.owner'.length);
      await rm(dir, { recursive: true, force: true });
      await rm(file, { force: true });
      removed.push(dir);
    }
    // Only an empty folder goes; a live checkout (or one made meanwhile) keeps it.
    await rmdir(runDir).catch(() => undefined);
  }
  return removed;
}
