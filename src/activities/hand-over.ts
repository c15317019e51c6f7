import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { outcomeFromFailureCause } from '../domain/failure-details';
import type { TaskOutcome } from '../domain/run';
import { readOutputRef } from '../domain/task-address';

export interface CollectOutcomesInput {
  /** Task id to task workflow id, for tasks that closed while their run was continuing as new. */
  tasks: { taskId: string; workflowId: string; firstExecutionRunId?: string }[];
}

/**
 * Reads the outcomes of task workflows that ended during a continue-as-new hand-over, when their completion went to
 * a run that had already closed. Reads them from each task workflow's own result, through the worker's client.
 */
export async function collectTaskOutcomes(input: CollectOutcomesInput): Promise<TaskOutcome[]> {
  const { client } = Context.current();
  return Promise.all(
    input.tasks.map(async ({ taskId, workflowId, firstExecutionRunId }) => {
      try {
        // A retried task's workflow id has an execution per attempt: read the attempt's own (and its continuations).
        const handle = client.workflow.getHandle(
          workflowId,
          undefined,
          firstExecutionRunId ? { firstExecutionRunId } : {},
        );
        const outcome = (await handle.result()) as TaskOutcome;
        // Tasks that started before output references had a kind returned the workflow id as a string.
        return { ...outcome, outputRef: readOutputRef(outcome.outputRef) ?? { kind: 'taskHistory', workflowId } };
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : err;
        return outcomeFromFailureCause(taskId, cause, { kind: 'taskHistory', workflowId });
      }
    }),
  );
}

export interface ConfirmOutcomeInput {
  taskId: string;
  workflowId: string;
  /** How long to wait for the task workflow to close: a task reports its end just before it returns. */
  waitSeconds: number;
  /** A retried task: the first run id of its current attempt's execution. */
  firstExecutionRunId?: string;
}

/** A task workflow's own outcome once it has closed, or word that it is still open. */
export type ConfirmedOutcome = { closed: true; outcome: TaskOutcome } | { closed: false };

const CONFIRM_POLL_MS = 250;

/**
 * Confirms a reported task end against the task workflow itself: waits up to `waitSeconds` for it to close and reads
 * its outcome from its result. A report for a task that is still running (a forged one) finds it open.
 */
export async function confirmTaskOutcome(input: ConfirmOutcomeInput): Promise<ConfirmedOutcome> {
  const ctx = Context.current();
  const handle = ctx.client.workflow.getHandle(input.workflowId);
  const deadline = Date.now() + input.waitSeconds * 1000;
  for (;;) {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') break;
    if (Date.now() >= deadline) return { closed: false };
    ctx.heartbeat();
    await ctx.sleep(CONFIRM_POLL_MS);
  }
  const { taskId, workflowId, firstExecutionRunId } = input;
  const [outcome] = await collectTaskOutcomes({
    tasks: [{ taskId, workflowId, ...(firstExecutionRunId ? { firstExecutionRunId } : {}) }],
  });
  return { closed: true, outcome: outcome! };
}
