import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TaskOutcome } from '../domain/run';
import { outcomeFromFailureCause } from '../domain/task-outcome';

export interface CollectOutcomesInput {
  /** Task id to task workflow id, for tasks that closed while their run was continuing as new. */
  tasks: { taskId: string; workflowId: string }[];
}

/**
 * Reads the outcomes of task workflows that ended during a continue-as-new hand-over, when their completion went to
 * a run that had already closed. Reads them from each task workflow's own result, through the worker's client.
 */
export async function collectTaskOutcomes(input: CollectOutcomesInput): Promise<TaskOutcome[]> {
  const { client } = Context.current();
  return Promise.all(
    input.tasks.map(async ({ taskId, workflowId }) => {
      try {
        return (await client.workflow.getHandle(workflowId).result()) as TaskOutcome;
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : err;
        return outcomeFromFailureCause(taskId, cause, workflowId);
      }
    }),
  );
}
