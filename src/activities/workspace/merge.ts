import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { formatMergeMessage } from '../../domain/git-refs';
import type { Checkout, MergeBranchesInput, MergeBranchesResult } from '../../domain/workspace';
import { fetchBranches, unshallowCache } from './clone-cache';
import { guardCheckout } from './config-guard';
import { GitFailedError } from './errors';
import { git, lastLine } from './git';
import { headCommit, identityEnv, inCheckout, splitNul } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/** A shallow cache lacks the history a merge base needs: complete it, and let a clone checkout see that. */
async function unshallow(settings: WorkspaceSettings, checkout: Checkout): Promise<void> {
  await unshallowCache(settings, checkout.cache);
  if (checkout.mode === 'clone') {
    const own = path.join(checkout.gitDir, 'shallow');
    await copyFile(path.join(checkout.cache, 'shallow'), own).catch(() => rm(own, { force: true }));
  }
}

/**
 * Merges `branches` of the remote into the checkout's HEAD, one after another (fast-forward when possible), so that a
 * task starts from the merge of its dependencies' branches. On a conflict the merge in progress is aborted, the
 * checkout is left as it was before that branch, and the conflicting paths are returned.
 */
export async function mergeBranches(
  settings: WorkspaceSettings,
  input: MergeBranchesInput,
): Promise<MergeBranchesResult> {
  const { checkout, branches, runId, taskId } = input;
  await guardCheckout(checkout);
  const commits = await fetchBranches(settings, checkout.cache, checkout.remote, branches);
  const at = inCheckout(settings, checkout);
  const env = identityEnv(settings.identity);
  for (const branch of branches) {
    const message = formatMergeMessage(branch, runId, taskId);
    // The commit id comes from rev-parse, so it cannot read as an option (git merge has no --end-of-options in 2.39).
    const merge = () =>
      git(['merge', '--quiet', '--ff', '--no-edit', '--no-verify', '--no-stat', '-m', message, commits.get(branch)!], {
        ...at,
        env,
        okExitCodes: [0, 1],
      });
    const result = await merge().catch(async (err: unknown) => {
      if (!(err instanceof GitFailedError) || !/unrelated histories/.test(err.stderr) || !settings.depth) throw err;
      await unshallow(settings, checkout);
      return merge();
    });
    if (result.code === 0) continue;
    const inProgress = await git(['rev-parse', '--quiet', '--verify', 'MERGE_HEAD'], { ...at, okExitCodes: [0, 1] });
    if (inProgress.code !== 0) {
      // Exit 1 without a merge in progress: git refused to start (local changes or untracked files in the way).
      throw new GitFailedError(`merging ${branch} failed: ${lastLine(result.stderr) || lastLine(result.stdout)}`);
    }
    const unmerged = await git(['diff', '--name-only', '-z', '--diff-filter=U'], at);
    await git(['merge', '--abort'], at);
    return { ok: false, branch, conflicts: splitNul(unmerged.stdout) };
  }
  return { ok: true, commit: await headCommit(at) };
}
