import type { ToolStepResult } from '../../domain/agent-loop';
import type { TaskProgress } from '../../domain/task-progress';
import { isWorkerLost, ownQueueOptions } from './acting-options';
import type { TaskWorkspaceInput } from './acting-state';
import type { CreditAccount } from './credit-account';
import type { HeldCheckout } from './held-checkout';
import type { ToolCallGate } from './tool-call-gate';

export interface StepArgs {
  key: { taskWorkflowId: string; round: number };
  callIndex: number;
  stepId: string;
  summary: string;
  gated?: { server: string; tool: string; arguments: string };
  /** Credits the call costs, in thousandths (priced MCP tools), charged once it may run. */
  price: number;
}

export type StepResult = ToolStepResult & { interrupted?: boolean };

/**
 * One tool step of an acting task on the worker holding its checkout: a gated call first waits for a person's
 * decision on that very call, a priced call is charged once it may run, and a step whose worker is lost moves the
 * task and tells whether it landed before the loss.
 */
export async function takeToolStep(
  task: {
    taskId: string;
    workspace: TaskWorkspaceInput;
    held: HeldCheckout;
    gate: ToolCallGate;
    credits: CreditAccount;
    progress: TaskProgress;
  },
  args: StepArgs,
): Promise<StepResult> {
  const { taskId, held } = task;
  const { policy, workerTimeoutSeconds } = task.workspace;
  // A gated call waits for a person's decision on this very call (its id: task and step) before it may run.
  const decision = args.gated
    ? await task.gate.ask({ requestId: `${taskId}/${args.stepId}`, taskId, ...args.gated })
    : undefined;
  // A denied call does not run, so it costs nothing.
  if (args.price > 0 && decision?.approved !== false) await task.credits.chargeFixed(args.price);
  let result: StepResult;
  try {
    result = await held.own().runToolStep.executeWithOptions(
      {
        ...ownQueueOptions(held.queue, workerTimeoutSeconds, `${policy.commandTimeoutSeconds + 120} seconds`),
        summary: args.summary,
      },
      [
        {
          key: args.key,
          callIndex: args.callIndex,
          stepId: args.stepId,
          head: held.head,
          ...(decision ? { decision } : {}),
        },
      ],
    );
  } catch (err) {
    if (!isWorkerLost(err)) throw err;
    const landed = await held.move(args.stepId);
    // The conversation stayed on the lost worker: the next turn starts again from the steps taken.
    result = landed
      ? {
          summary: `${args.summary} (applied before the worker was lost)`,
          ok: true,
          interrupted: true,
          commit: held.head,
        }
      : { summary: `${args.summary} (not applied: the worker was lost)`, ok: false, interrupted: true };
  }
  if (result.commit && !result.interrupted) {
    held.head = result.commit;
    held.commits++;
  }
  task.progress.lastStep = result.summary;
  return result;
}
