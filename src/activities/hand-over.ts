import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { outcomeFromFailureCause } from '../domain/failure-details';
import type { TaskOutcome } from '../domain/run';
import { readOutputRef } from '../domain/task-address';

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
        const outcome = (await client.workflow.getHandle(workflowId).result()) as TaskOutcome;
        // Tasks that started before output references had a kind returned the workflow id as a string.
        return { ...outcome, outputRef: readOutputRef(outcome.outputRef) ?? { kind: 'taskHistory', workflowId } };
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : err;
        return outcomeFromFailureCause(taskId, cause, { kind: 'taskHistory', workflowId });
      }
    }),
  );
}
