import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeRefComponent } from '../../domain/git-refs';
import type { Checkout, PrepareCheckoutInput, PreparedCheckout } from '../../domain/workspace';
import { initSubmodules, pullLfs } from './checkout-content';
import { claimCheckout, ownerFile } from './checkout-owner';
import { ensureCache, prefetchBlobs } from './clone-cache';
import { alternatesContent, alternatesFile, checkoutConfig, sealConfig } from './config-guard';
import { git } from './git';
import type { WorkspaceSettings } from './settings';

/**
 * A task's checkout: the run's repository at one commit, detached, in a folder of its own, made from the worker's
 * cache without copying objects.
 *
 * Two ways, measured equal (bench/checkout.ts: ~0.1 s for 10,000 files either way, the time of writing the files):
 * - `clone` (default): a repository of its own whose objects/info/alternates names the cache's object store. The
 *   agent's git stays inside the checkout folder: `git config`, `git gc`, `git branch -D` there touch only it, and a
 *   sandbox need only grant that folder. Removing it is `rm -rf`.
 * - `worktree`: `git worktree add --detach` on the cache. Its `.git` file leads into the cache, so an agent's
 *   `git config` edits the cache's config (resealed before our next command, but shared by other tasks meanwhile),
 *   its commits write into the cache, and a sandbox must grant the cache too. For trusted agents only.
 */

/** Where a run's checkouts live on this worker. */
export function runCheckoutsDir(settings: WorkspaceSettings, runId: string): string {
  return path.join(settings.root, 'checkouts', encodeRefComponent(runId));
}

async function cloneCheckout(dir: string, cache: string, base: Omit<Checkout, 'dir' | 'gitDir' | 'mode'>) {
  await git(['init', '--quiet', '--template=', '--initial-branch=planwright', dir]);
  const gitDir = path.join(dir, '.git');
  await sealConfig(gitDir, checkoutConfig({ url: base.remote, partial: base.partial }));
  await writeFile(alternatesFile(gitDir), alternatesContent(cache));
  // A shallow cache's history ends at its shallow commits; the checkout must know where, or it reads as corrupt.
  await copyFile(path.join(cache, 'shallow'), path.join(gitDir, 'shallow')).catch(() => undefined);
  const checkout: Checkout = { ...base, dir, gitDir, mode: 'clone' };
  await git(['checkout', '--quiet', '--detach', base.commit], { gitDir, workTree: dir });
  return checkout;
}

async function worktreeCheckout(dir: string, cache: string, base: Omit<Checkout, 'dir' | 'gitDir' | 'mode'>) {
  await git(['worktree', 'add', '--quiet', '--detach', dir, base.commit], { gitDir: cache });
  // Read once, now, before any agent can rewrite the .git file; later commands name this directory themselves.
  const pointer = await readFile(path.join(dir, '.git'), 'utf8');
  const gitDir = path.resolve(dir, pointer.replace(/^gitdir:\s*/, '').trim());
  return { ...base, dir, gitDir, mode: 'worktree' as const };
}

/**
 * Prepares a task's checkout of `commit` from the worker's cache of `remote` (fetching only when the cache lacks the
 * commit), with its submodules and LFS content. The checkout belongs to this worker: later steps of the task must
 * run here.
 */
export async function prepareCheckout(
  settings: WorkspaceSettings,
  input: PrepareCheckoutInput,
): Promise<PreparedCheckout> {
  const cache = await ensureCache(settings, input.remote, { commit: input.commit, midRun: true });
  if (settings.mode === 'clone') await prefetchBlobs(settings, cache, input.commit);
  const parent = runCheckoutsDir(settings, input.runId);
  await mkdir(parent, { recursive: true });
  // A fresh folder per attempt: a retried activity never finds a half-made checkout of an earlier attempt.
  const dir = path.join(parent, `${encodeRefComponent(input.taskId)}-${Math.random().toString(36).slice(2, 10)}`);
  const base = { cache, remote: input.remote, commit: input.commit, partial: settings.partial };
  try {
    await claimCheckout(dir);
    const checkout =
      settings.mode === 'clone' ? await cloneCheckout(dir, cache, base) : await worktreeCheckout(dir, cache, base);
    const submodules = await initSubmodules(settings, checkout);
    const lfs = await pullLfs(settings, checkout);
    return { checkout, submodules, lfs };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    await rm(ownerFile(dir), { force: true });
    if (settings.mode === 'worktree') await git(['worktree', 'prune'], { gitDir: cache }).catch(() => undefined);
    throw err;
  }
}

/**
 * A fresh checkout of `commit`, made beside `source` from the objects `source` and its cache hold (no fetch): the tree
 * exactly as committed, with none of the files a command left in `source` (git-ignored ones included). Checks run in
 * one of these, so nothing an agent planted in its own checkout (a stub `node_modules/.bin/node`) can make them pass.
 * The caller removes it (removeCheckout).
 */
export async function checkoutCommittedTree(
  settings: WorkspaceSettings,
  source: Checkout,
  commit: string,
  label: string,
): Promise<Checkout> {
  const dir = path.join(path.dirname(source.dir), `${label}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    await claimCheckout(dir);
    await git(['init', '--quiet', '--template=', '--initial-branch=planwright', dir]);
    const gitDir = path.join(dir, '.git');
    await sealConfig(gitDir, checkoutConfig({ url: source.remote, partial: source.partial }));
    // The source's own objects (its commits not pushed yet) first, then the cache's.
    const stores = source.mode === 'clone' ? [path.join(source.gitDir, 'objects')] : [];
    await writeFile(
      alternatesFile(gitDir),
      stores.join('\n') + (stores.length ? '\n' : '') + alternatesContent(source.cache),
    );
    await copyFile(path.join(source.cache, 'shallow'), path.join(gitDir, 'shallow')).catch(() => undefined);
    await git(['checkout', '--quiet', '--detach', commit], { gitDir, workTree: dir, timeoutMs: settings.timeoutMs });
    return { ...source, dir, gitDir, commit, mode: 'clone' };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    await rm(ownerFile(dir), { force: true });
    throw err;
  }
}
