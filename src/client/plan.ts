import type { Client } from '@temporalio/client';
import type { ModelSettings } from '../config';
import type { PreparePlanResult } from '../domain/activity-contracts';
import { createAgentRegistry } from '../domain/agents';
import type { Plan } from '../domain/plan';
import { validatePlan } from '../domain/plan-validation';
import type { GoalInput } from '../domain/run';
import { UserError } from '../infra/errors';
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

/**
 * Dry run of a plan the caller already has, in this process: no server, no worker, no model call. It gives what the
 * workers' dry run gives for the same plan: the plan validated against the configured agent types, source "input",
 * nothing spent on planning. Throws a UserError listing every problem when the plan is invalid.
 */
export function planLocally(plan: Plan, settings: ModelSettings): PreparePlanResult {
  const agentTypes = [...createAgentRegistry(settings.customAgents).keys()];
  const check = validatePlan(plan, agentTypes);
  if (!check.ok) throw new UserError(`the plan is invalid:\n  ${check.errors.join('\n  ')}`);
  return { plan: check.plan, source: 'input', calls: [], spentMillicredits: 0 };
}
