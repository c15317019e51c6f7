import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The one-line way to get bubblewrap where Planwright cannot install it itself. */
export const BUBBLEWRAP_HINT =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      if (dir) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

export type BubblewrapSetup = { ok: true; path: string; installed: boolean } | { ok: false; reason: string };

/**
 * Finds `bwrap`, which sandboxes the commands agents run; on a Debian-like machine where this process is root it
 * installs the distribution's package, as `npm test` and `planwright setup` need it on a fresh machine. Never throws:
 * a machine without it can still run everything but sandboxed commands, and says why.
 */
export function ensureBubblewrap(log: (line: string) => void = (l) => console.error(l)): BubblewrapSetup {
  const found = onPath('bwrap');
  if (found) return { ok: true, path: found, installed: false };
  const aptGet = onPath('apt-get');
  if (!aptGet || process.getuid?.() !== 0) return { ok: false, reason: `no bwrap on PATH; ${BUBBLEWRAP_HINT}` };
  log('planwright: installing bubblewrap (apt-get) for sandboxed agent commands');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'bubblewrap'],
  ]) {
    const result = spawnSync(aptGet, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) {
      return { ok: false, reason: `apt-get ${args[0]} exited ${result.status ?? result.signal}; ${BUBBLEWRAP_HINT}` };
    }
  }
  const installed = onPath('bwrap');
  return installed
    ? { ok: true, path: installed, installed: true }
    : { ok: false, reason: `apt-get finished but bwrap is not on PATH; ${BUBBLEWRAP_HINT}` };
}
