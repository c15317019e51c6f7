import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Checkout } from '../../domain/workspace';
import { runCheckoutsDir } from './checkout';
import { ownerFile } from './checkout-owner';
import { git } from './git';
import type { WorkspaceSettings } from './settings';

/** Forget worktrees whose folders are gone, in every cache of this worker (a worktree's record lives in its cache). */
async function pruneWorktrees(settings: WorkspaceSettings): Promise<void> {
  const caches = await readdir(settings.cacheDir).catch(() => [] as string[]);
  for (const name of caches.filter((n) => n.endsWith('.git'))) {
    await git(['worktree', 'prune'], { gitDir: path.join(settings.cacheDir, name) }).catch(() => undefined);
  }
}

/** Removes one checkout from this worker's disk (its folder, and its worktree record). Nothing pushed is touched. */
export async function removeCheckout(settings: WorkspaceSettings, checkout: Checkout): Promise<void> {
  await rm(checkout.dir, { recursive: true, force: true });
  await rm(ownerFile(checkout.dir), { force: true });
  if (checkout.mode === 'worktree') {
    await git(['worktree', 'prune'], { gitDir: checkout.cache }).catch(() => undefined);
  }
  // The run's folder goes with its last checkout (rmdir refuses a folder that still holds one).
  await rmdir(path.dirname(checkout.dir)).catch(() => undefined);
}

/**
 * Removes every checkout of a run from this worker's disk, after the run. Branches, the run's repository and the
 * caches stay: the branches are the run's result, and the caches serve the next run. Run it on every worker.
 */
export async function cleanupRun(settings: WorkspaceSettings, runId: string): Promise<{ removed: number }> {
  const dir = runCheckoutsDir(settings, runId);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await rm(dir, { recursive: true, force: true });
  await pruneWorktrees(settings);
  // Each checkout has its owner file beside it (checkout-owner.ts): count the checkouts.
  return { removed: entries.filter((e) => !e.endsWith('.owner')).length };
}
