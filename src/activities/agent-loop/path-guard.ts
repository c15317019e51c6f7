import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkPath } from '../../domain/workspace-policy';
import { git } from '../workspace/git';
import type { HeldTask } from './held-tasks';

/**
 * Undoes what a step changed outside the run's writable paths (`--allow`), before the step is committed. Tools check
 * paths before they write; commands and MCP servers write wherever the sandbox or their own rights let them inside
 * the checkout, so what they changed is checked after the fact: a tracked file goes back to the last commit, a new
 * file is removed. Returns the paths undone (git's status, relative, "/"-separated).
 */
export async function undoChangesOutsideAllowedPaths(held: HeldTask): Promise<string[]> {
  const { checkout, policy } = held;
  const at = { gitDir: checkout.gitDir, workTree: checkout.dir };
  const { stdout } = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], at);
  const changes = stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => ({ untracked: entry.startsWith('??'), path: entry.slice(3) }));
  const outside = changes.filter((c) => !checkPath(policy, c.path, 'write').ok);
  const tracked = outside.filter((c) => !c.untracked).map((c) => c.path);
  // --no-overlay: a file deleted since the last commit comes back; pathspecs are literal, never globs.
  if (tracked.length > 0) {
    await git(['--literal-pathspecs', 'checkout', '--no-overlay', 'HEAD', '--', ...tracked], at);
  }
  for (const c of outside.filter((c) => c.untracked)) {
    const file = path.join(checkout.dir, c.path);
    // lstat, never stat: a link is removed itself, and what it points to is left alone.
    if (await lstat(file).catch(() => undefined)) await rm(file, { force: true, recursive: true });
  }
  return outside.map((c) => c.path);
}

/** The note the model reads when some of what its step changed was undone. */
export function undoneNote(paths: readonly string[]): string {
  const shown = paths.slice(0, 20).join(', ') + (paths.length > 20 ? `, … (${paths.length} in all)` : '');
  return `changes outside the paths this run may write were undone: ${shown}`;
}
