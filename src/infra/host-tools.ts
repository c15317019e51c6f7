import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** True when `file` exists and this process may execute it. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH, if any. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && isExecutable(file)) return file;
  }
  return undefined;
}

export type HostToolSetup = { ok: true; path: string; installed: boolean } | { ok: false; reason: string };

export interface HostTool {
  /** Binary names to look for on PATH, most common first. */
  binaries: readonly string[];
  /** The Debian package that provides them. */
  debianPackage: string;
  /** What it is needed for, said when installing it. */
  purpose: string;
  /** The one-line way to get it where Planwright cannot install it itself. */
  hint: string;
}

/**
 * Finds a tool of the host; on a Debian-like machine where this process is root, installs its package with apt-get,
 * as `npm test` and `planwright setup` need it on a fresh machine. Never throws: the reason comes back instead.
 */
export function ensureHostTool(tool: HostTool, log: (line: string) => void = (l) => console.error(l)): HostToolSetup {
  const find = () => tool.binaries.map(findOnPath).find((file) => file !== undefined);
  const found = find();
  if (found) return { ok: true, path: found, installed: false };
  const aptGet = findOnPath('apt-get');
  if (!aptGet || process.getuid?.() !== 0) return { ok: false, reason: `no ${tool.binaries[0]} on PATH; ${tool.hint}` };
  log(`planwright: installing ${tool.debianPackage} (apt-get) for ${tool.purpose}`);
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', tool.debianPackage],
  ]) {
    const result = spawnSync(aptGet, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) {
      return { ok: false, reason: `apt-get ${args[0]} exited ${result.status ?? result.signal}; ${tool.hint}` };
    }
  }
  const installed = find();
  return installed
    ? { ok: true, path: installed, installed: true }
    : { ok: false, reason: `apt-get finished but ${tool.binaries[0]} is not on PATH; ${tool.hint}` };
}
