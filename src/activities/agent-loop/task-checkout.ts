import type { PrepareTaskCheckoutInput, PrepareTaskCheckoutResult } from '../../domain/agent-loop';
import { taskBranch } from '../../domain/git-refs';
import {
  findStep,
  mergeBranches,
  prepareCheckout,
  pushTaskBranch,
  removeCheckout,
  toWorkspaceFailure,
} from '../workspace';
import { listRemoteRefs } from '../workspace/remote';
import { withHeartbeat } from './heartbeat';
import { handToCommandOwner } from './ownership';
import type { AgentLoopContext } from './settings';
import { runSetup } from './setup';

/**
 * Prepares a task's checkout on this worker and names the queue its later steps must use. A new task starts from the
 * base merged with its dependencies' branches, and its branch is created on the run's repository at once, so that
 * every later step is a compare-and-swap on it. A task that moves here (its worker died) continues from its branch
 * as the remote has it, and learns whether the step that was in flight had landed (its commit carries the step id).
 * A retried task continues from its branch too, unless it starts again from the base (`fromBase`).
 */
export function prepareTaskCheckout(
  ctx: AgentLoopContext,
  input: PrepareTaskCheckoutInput,
): Promise<PrepareTaskCheckoutResult> {
  return withHeartbeat(async () => {
    try {
      return await prepare(ctx, input);
    } catch (err) {
      throw toWorkspaceFailure(err);
    }
  });
}

async function prepare(ctx: AgentLoopContext, input: PrepareTaskCheckoutInput): Promise<PrepareTaskCheckoutResult> {
  const result = await checkoutFor(ctx, input);
  if (result.ok) {
    const { runId, taskId, taskWorkflowId, policy, mcpTools, setup, base } = input;
    const { checkout, startCommit } = result;
    const held = { runId, taskId, taskWorkflowId, checkout, policy, mcpTools, startCommit, setup, base };
    ctx.held.hold(taskWorkflowId, held);
  }
  return result;
}

async function checkoutFor(ctx: AgentLoopContext, input: PrepareTaskCheckoutInput): Promise<PrepareTaskCheckoutResult> {
  const settings = ctx.workspace;
  const { runId, taskId, remote } = input;
  const branch = taskBranch(runId, taskId);
  const ref = `refs/heads/${branch}`;
  const existing = (await listRemoteRefs(remote, [ref], { midRun: true })).refs.get(ref);
  if (existing && !input.fromBase) {
    // A move, or a retry of this activity after its push landed: the branch is the truth.
    const { checkout } = await prepareCheckout(settings, { remote, commit: existing, runId, taskId });
    await handToCommandOwner(checkout.dir);
    await runSetup(ctx, checkout, input.setup, input.base);
    const pending = input.recover?.pendingStepId;
    const landed = pending
      ? (await findStep(settings, { remote, branch, runId, taskId, stepId: pending })).found
      : undefined;
    return {
      ok: true,
      checkout,
      queue: ctx.ownQueue,
      startCommit: existing,
      head: existing,
      ...(landed !== undefined ? { pendingStepLanded: landed } : {}),
    };
  }
  const { checkout } = await prepareCheckout(settings, { remote, commit: input.base, runId, taskId });
  let startCommit = input.base;
  if (input.dependencies.length > 0) {
    const merged = await mergeBranches(settings, {
      checkout,
      branches: input.dependencies.map((d) => taskBranch(runId, d)),
      runId,
      taskId,
    });
    if (!merged.ok) {
      await removeCheckout(settings, checkout);
      return { ok: false, conflict: { branch: merged.branch, paths: merged.conflicts } };
    }
    startCommit = merged.commit;
  }
  // A retry from the base replaces the branch the last attempt left (compare-and-swap on what this read).
  await pushTaskBranch(settings, { checkout, remote, branch, expectedOld: existing ?? null });
  await handToCommandOwner(checkout.dir);
  await runSetup(ctx, checkout, input.setup, input.base);
  return { ok: true, checkout, queue: ctx.ownQueue, startCommit, head: startCommit };
}
