import type { Client } from '@temporalio/client';
import type { PreparePlanResult } from '../domain/activity-contracts';
import type { GoalInput } from '../domain/run';
import { ensureWorkerPolling, newRunId } from './runs';

/** Where a dry run is planned: the namespace and the workers' task queue. */
export interface PlanGoalOptions {
  namespace: string;
  taskQueue: string;
}

/**
 * Dry run on the workers: the planner writes a plan for the goal (or the given plan is validated), nothing runs.
 * Fails at once when no worker polls the task queue.
 */
export async function planGoal(client: Client, input: GoalInput, options: PlanGoalOptions): Promise<PreparePlanResult> {
  await ensureWorkerPolling(client, options.namespace, options.taskQueue);
  return client.workflow.execute('planWorkflow', {
    taskQueue: options.taskQueue,
    workflowId: `${newRunId()}-plan`,
    args: [input],
  });
}
