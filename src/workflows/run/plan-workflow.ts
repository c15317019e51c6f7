import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PreparePlanResult } from '../../domain/activity-contracts';
import { toMillicredits } from '../../domain/credits';
import { constraintList } from '../../domain/prompts';
import { MODEL_CALL_OPTIONS } from '../activity-options';
import { parseGoalInput } from './goal-input';

const { preparePlan } = proxyActivities<Activities>(MODEL_CALL_OPTIONS);

/**
 * Dry run: the planner writes and validates a plan and nothing else runs. `planwright plan` starts it and prints the
 * plan, its DAG and its projected credits, so that CI can gate on them before any task is paid for.
 */
export async function planWorkflow(rawInput: unknown): Promise<PreparePlanResult> {
  const input = parseGoalInput(rawInput);
  return preparePlan.executeWithOptions({ ...MODEL_CALL_OPTIONS, summary: 'plan (dry run)' }, [
    {
      goal: input.goal,
      constraints: constraintList(input.constraints),
      ...(input.plan ? { plan: input.plan } : {}),
      availableMillicredits: toMillicredits(input.budgetCredits),
    },
  ]);
}
