import type { IntegrateRunInput } from '../../domain/agent-loop';
import { resultBranch, taskBranch } from '../../domain/git-refs';
import type { IntegrationResult } from '../../domain/run-workspace';
import {
  mergeBranches,
  prepareCheckout,
  pushTaskBranch,
  RemoteMovedError,
  removeCheckout,
  toWorkspaceFailure,
} from '../workspace';
import { listRemoteRefs } from '../workspace/remote';
import { runChecksOnCommit } from './committed-checks';
import { withHeartbeat } from './heartbeat';
import type { AgentLoopContext } from './settings';

/** Most characters of a failed verify's output in the run's report. */
const MAX_FAILURE_TAIL = 2000;

/**
 * Builds the run's result: the base merged with every succeeded task's branch, in plan order, then the run-wide
 * verify on the merge. Only a merge that passed is pushed, as `planwright/<runId>/_result` (git cannot hold a branch
 * `planwright/<runId>` beside the task branches under it). Siblings that conflict, or pass alone and fail together,
 * are reported for the run to end partial.
 */
export function integrateRun(ctx: AgentLoopContext, input: IntegrateRunInput): Promise<IntegrationResult> {
  return withHeartbeat(async (signal) => {
    try {
      return await integrate(ctx, input, signal);
    } catch (err) {
      throw toWorkspaceFailure(err);
    }
  });
}

async function integrate(ctx: AgentLoopContext, input: IntegrateRunInput, signal: AbortSignal) {
  const fail = (reason: 'conflict' | 'verify-failed' | 'nothing-to-merge', message: string, conflicts: string[] = []) =>
    ({ ok: false, reason, message, conflicts }) satisfies IntegrationResult;
  if (input.taskIds.length === 0) return fail('nothing-to-merge', 'no task succeeded: there is nothing to integrate');
  const settings = ctx.workspace;
  const branch = resultBranch(input.runId);
  const { checkout } = await prepareCheckout(settings, {
    remote: input.remote,
    commit: input.base,
    runId: input.runId,
    taskId: 'integration',
  });
  try {
    const merged = await mergeBranches(settings, {
      checkout,
      branches: input.taskIds.map((id) => taskBranch(input.runId, id)),
      runId: input.runId,
      taskId: 'integration',
    });
    if (!merged.ok) {
      return fail('conflict', `merging ${merged.branch} conflicts in ${merged.conflicts.join(', ')}`, merged.conflicts);
    }
    // Each check on its own fresh tree of the merge (committed-checks.ts): one check cannot plant what the next runs.
    const checks = { source: checkout, commit: merged.commit, label: 'integration-check', policy: input.policy };
    const commands = input.checks ?? input.policy.verify;
    for (const command of commands) {
      const [result] = await runChecksOnCommit(ctx, { ...checks, setup: input.setup, base: input.base, signal }, [
        command,
      ]);
      if (!result!.passed) {
        const tail = result!.outputTail.slice(-MAX_FAILURE_TAIL);
        return fail('verify-failed', `check "${command}" failed on the merged tasks: ${tail}`);
      }
    }
    try {
      await pushTaskBranch(settings, { checkout, remote: input.remote, branch, expectedOld: null });
      return {
        ok: true,
        branch,
        commit: merged.commit,
        merged: input.taskIds,
        checks: commands,
      } satisfies IntegrationResult;
    } catch (err) {
      // A retry of this activity after its push landed: the branch holds that attempt's verified merge.
      if (!(err instanceof RemoteMovedError)) throw err;
      const ref = `refs/heads/${branch}`;
      const landed = (await listRemoteRefs(input.remote, [ref], { midRun: true })).refs.get(ref);
      if (!landed) throw err;
      return { ok: true, branch, commit: landed, merged: input.taskIds, checks: commands } satisfies IntegrationResult;
    }
  } finally {
    await removeCheckout(settings, checkout).catch(() => undefined);
  }
}
