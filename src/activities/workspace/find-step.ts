import { readStepTrailers, stepTrailerLine } from '../../domain/git-refs';
import type { FindStepInput, FindStepResult } from '../../domain/workspace';
import { ensureCache } from './clone-cache';
import { git } from './git';
import { listRemoteRefs } from './remote';
import type { WorkspaceSettings } from './settings';

/**
 * Whether a step's commit already landed on `branch` of the remote, recognised by its trailers, so that a retried
 * step is not applied twice. Also returns the branch's commit, the expectedOld of the next push. Reads the remote's
 * current branch (not the cache's memory of it) and searches the history in the worker's cache.
 */
export async function findStep(settings: WorkspaceSettings, input: FindStepInput): Promise<FindStepResult> {
  const { remote, branch, runId, taskId, stepId } = input;
  const ref = `refs/heads/${branch}`;
  const head = (await listRemoteRefs(remote, [ref], { midRun: true })).refs.get(ref) ?? null;
  if (!head) return { found: false, head: null };
  const cache = await ensureCache(settings, remote, { commit: head, midRun: true });
  // git narrows to commits whose message holds the trailer line; parsing confirms it is a trailer of this very task
  // (a branch also holds its dependencies' commits, whose step ids may repeat) and not a line of some message body.
  const { stdout } = await git(
    ['log', '--format=%H%x00%B%x00', '--fixed-strings', `--grep=${stepTrailerLine(stepId)}`, '--end-of-options', head],
    { gitDir: cache, timeoutMs: settings.timeoutMs },
  );
  const fields = stdout.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const commit = fields[i]!.trim();
    const made = readStepTrailers(fields[i + 1]!);
    if (made?.runId === runId && made.taskId === taskId && made.stepId === stepId) return { found: true, commit, head };
  }
  return { found: false, head };
}
