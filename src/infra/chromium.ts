import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The one-line way to get Chromium where Planwright cannot install it itself. */
export const CHROMIUM_HINT =
  'install Chromium (Debian: apt-get install chromium; Ubuntu: snap install chromium; Fedora: dnf install chromium)';

/** Distribution binary names, most common first (Debian's `chromium`, older Ubuntu's `chromium-browser`). */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const findChromium = () => CHROMIUM_NAMES.map(onPath).find((file) => file !== undefined);

export type ChromiumSetup = { ok: true; path: string; installed: boolean } | { ok: false; reason: string };

/**
 * Finds a Chromium binary, which the browser tests drive through `playwright-core` (it downloads no browser of its
 * own); on a Debian-like machine where this process is root it installs the distribution's package, as `npm test`
 * and `planwright setup` need it on a fresh machine. Never throws: a machine without it runs everything but the
 * browser tests, and says why. As root, Chromium must be launched with `--no-sandbox`.
 */
export function ensureChromium(log: (line: string) => void = (l) => console.error(l)): ChromiumSetup {
  const found = findChromium();
  if (found) return { ok: true, path: found, installed: false };
  const aptGet = onPath('apt-get');
  if (!aptGet || process.getuid?.() !== 0) return { ok: false, reason: `no chromium on PATH; ${CHROMIUM_HINT}` };
  log('planwright: installing chromium (apt-get) for the Web UI browser tests');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const result = spawnSync(aptGet, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) {
      return { ok: false, reason: `apt-get ${args[0]} exited ${result.status ?? result.signal}; ${CHROMIUM_HINT}` };
    }
  }
  const installed = findChromium();
  return installed
    ? { ok: true, path: installed, installed: true }
    : { ok: false, reason: `apt-get finished but chromium is not on PATH; ${CHROMIUM_HINT}` };
}
