import { lstat, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkPath } from '../../domain/workspace-policy';
import { scanWorkTree, type WorkspaceSettings } from '../workspace';
import { git } from '../workspace/git';
import { inCheckout, splitNul } from '../workspace/repo-ops';
import type { HeldTask } from './held-tasks';
import { readSetupProducts } from './setup';

/**
 * What a step may leave behind to be committed, decided on the host before the worker's git adds anything. Tools check
 * paths before they write; commands and MCP servers write wherever the sandbox or their own rights let them inside the
 * checkout, so what they changed is judged after the fact, and what may not stay is undone (a tracked file goes back
 * to the last commit, a new file is removed) with one line for the model saying what and why:
 * - an embedded repository (any `.git` below the root): removed before any git runs (see tree-scan.ts);
 * - a change outside the run's writable paths (`--allow`);
 * - `.gitmodules` and `.lfsconfig`: they steer the worker's own git (submodule URLs it would fetch, LFS servers it
 *   would call) when a dependent task's checkout is made from this commit;
 * - a symbolic link that leads out of the checkout or into its git directory;
 * - a step, or a task, over the worker's byte and file limits (the whole step is undone);
 * - a working tree grown past the checkout's size limit (files git ignores included).
 */

/** Files that configure the worker's git for everyone who checks the commit out: never an agent's to change. */
const GIT_CONTROL_FILES = new Set(['.gitmodules', '.lfsconfig']);

interface Change {
  path: string;
  untracked: boolean;
}

/** Screens the checkout's uncommitted changes; returns what was undone, one line each, for the model. */
export async function screenStepChanges(settings: WorkspaceSettings, held: HeldTask): Promise<string[]> {
  const { checkout } = held;
  const notes: string[] = [];
  const scan = await scanWorkTree(checkout.dir);
  if (scan.removedRepositories.length > 0) {
    notes.push(
      `git repositories inside the checkout were removed (${shown(scan.removedRepositories)}): ` +
        'a task works in the one repository it was given; nested repositories and submodules are never committed',
    );
  }
  const at = inCheckout(settings, checkout);
  const changes = await listChanges(settings, held);
  // A set: a step may change thousands of files, and each list below is filtered against it.
  const refused = new Set<Change>();
  const refuse = (list: Change[], why: string) => {
    if (list.length === 0) return;
    for (const c of list) refused.add(c);
    notes.push(`${why}: ${shown(list.map((c) => c.path))}`);
  };
  refuse(
    changes.filter((c) => !checkPath(held.policy, c.path, 'write').ok),
    'changes outside the paths this run may write were undone',
  );
  const allowed = changes.filter((c) => !refused.has(c));
  refuse(
    allowed.filter((c) => GIT_CONTROL_FILES.has(c.path)),
    'changes to git settings files were undone (submodules and Git LFS settings are the repository owner’s)',
  );
  const links = [];
  for (const c of allowed) if (await leavesCheckout(checkout.dir, c.path)) links.push(c);
  refuse(links, 'symbolic links leading out of the checkout (or into .git) were removed');

  const kept = changes.filter((c) => !refused.has(c));
  const size = await sizeOf(checkout.dir, kept);
  const { limits } = settings;
  const overStep =
    kept.length > limits.maxStepFiles
      ? `this step changed ${kept.length} files; a step may change at most ${limits.maxStepFiles}`
      : size > limits.maxStepBytes
        ? `this step wrote ${mib(size)} of files; a step may commit at most ${mib(limits.maxStepBytes)}`
        : undefined;
  const committed = overStep || !held.startCommit ? 0 : await committedBytes(at, held.startCommit);
  const overTask =
    !overStep && committed + size > limits.maxTaskBytes
      ? `this task's commits would hold ${mib(committed + size)} of new files; a task may commit at most ` +
        mib(limits.maxTaskBytes)
      : undefined;
  if (overStep || overTask) {
    for (const c of kept) refused.add(c);
    notes.push(`${overStep ?? overTask} (a limit of this worker): all of this step's changes were undone`);
  }
  await undo(at, checkout.dir, [...refused]);

  // Measured again after the undo: what the step was refused no longer counts against the checkout.
  const bytes = scan.bytes > limits.maxCheckoutBytes ? (await scanWorkTree(checkout.dir)).bytes : scan.bytes;
  if (bytes > limits.maxCheckoutBytes) {
    const removed = await removeIgnoredFiles(at, checkout);
    notes.push(
      `the checkout held ${mib(bytes)} of files, over this worker's limit of ${mib(limits.maxCheckoutBytes)}: ` +
        (removed.length > 0
          ? `files git ignores were removed (${shown(removed)}); keep build output and downloads small`
          : 'remove files you do not need'),
    );
  }
  return notes;
}

async function listChanges(settings: WorkspaceSettings, held: HeldTask): Promise<Change[]> {
  const at = inCheckout(settings, held.checkout);
  const { stdout } = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], at);
  return stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => ({ untracked: entry.startsWith('??'), path: entry.slice(3) }));
}

/** Tracked files go back to the last commit (deleted ones come back); new files are removed. */
async function undo(at: ReturnType<typeof inCheckout>, dir: string, changes: readonly Change[]): Promise<void> {
  const tracked = changes.filter((c) => !c.untracked).map((c) => c.path);
  // --no-overlay: a file deleted since the last commit comes back; pathspecs are literal, never globs.
  if (tracked.length > 0) await git(['--literal-pathspecs', 'checkout', '--no-overlay', 'HEAD', '--', ...tracked], at);
  for (const c of changes.filter((c) => c.untracked)) {
    // rm never follows a link: a link is removed itself, and what it points to is left alone.
    await rm(path.join(dir, c.path), { force: true, recursive: true });
  }
}

/** True when `relative` is a symbolic link whose target, resolved by its words, is outside `dir` or inside `.git`. */
async function leavesCheckout(dir: string, relative: string): Promise<boolean> {
  const info = await lstat(path.join(dir, relative)).catch(() => undefined);
  if (!info?.isSymbolicLink()) return false;
  const target = await readlink(path.join(dir, relative));
  if (path.isAbsolute(target)) return true;
  const landed = path.posix.normalize(path.posix.join(path.posix.dirname(relative), target));
  return landed === '..' || landed.startsWith('../') || landed.split('/').some((s) => s.toLowerCase() === '.git');
}

async function sizeOf(dir: string, changes: readonly Change[]): Promise<number> {
  let bytes = 0;
  for (const c of changes) {
    const info = await lstat(path.join(dir, c.path)).catch(() => undefined);
    if (info?.isFile()) bytes += info.size;
  }
  return bytes;
}

/** Bytes of the file contents the commits since `from` added or changed. */
async function committedBytes(at: ReturnType<typeof inCheckout>, from: string): Promise<number> {
  const { stdout } = await git(['diff-tree', '-r', '-z', '--no-renames', '--raw', from, 'HEAD'], at);
  const blobs = splitNul(stdout)
    .filter((field) => field.startsWith(':'))
    .map((header) => header.split(' ')[3]!)
    .filter((oid) => !/^0+$/.test(oid));
  if (blobs.length === 0) return 0;
  const sizes = await git(['cat-file', '--batch-check=%(objectsize)'], { ...at, input: `${blobs.join('\n')}\n` });
  return sizes.stdout
    .split('\n')
    .map(Number)
    .filter((n) => Number.isFinite(n))
    .reduce((a, b) => a + b, 0);
}

/** Removes what git ignores in the checkout, except the products of the run's setup commands (setup.ts). */
async function removeIgnoredFiles(
  at: ReturnType<typeof inCheckout>,
  checkout: HeldTask['checkout'],
): Promise<string[]> {
  const setup = new Set(await readSetupProducts(checkout));
  const { stdout } = await git(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'], at);
  const removed = splitNul(stdout).filter((p) => !setup.has(p));
  for (const p of removed) await rm(path.join(checkout.dir, p), { force: true, recursive: true });
  return removed;
}

function shown(paths: readonly string[]): string {
  return paths.slice(0, 20).join(', ') + (paths.length > 20 ? `, … (${paths.length} in all)` : '');
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
