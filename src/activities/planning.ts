import { ApplicationFailure } from '@temporalio/common';
import type { PreparePlanInput, PreparePlanResult } from '../domain/activity-contracts';
import { createAgentRegistry, PLANNER_INSTRUCTIONS } from '../domain/agents';
import { formatCredits } from '../domain/credits';
import { BUDGET_TOO_SMALL, INVALID_PLAN } from '../domain/errors';
import { PlanDraft } from '../domain/plan';
import { draftToPlanInput, validatePlan } from '../domain/plan-validation';
import { plannerMessages } from '../domain/prompts';
import { callStructured, type ModelClient } from './model/structured-call';

/** Validation rounds the planner gets after its first plan: it sees the exact errors each time. */
export const PLANNER_REPAIR_ROUNDS = 2;

/**
 * Returns a validated plan: the caller's, checked against the configured agent types, or the planner's, sent back
 * with the exact errors up to PLANNER_REPAIR_ROUNDS times. Graph errors fail the run with INVALID_PLAN listing them.
 */
export async function preparePlan(model: ModelClient, input: PreparePlanInput): Promise<PreparePlanResult> {
  const { settings } = model;
  const agents = [...createAgentRegistry(settings.customAgents).values()];
  const agentTypes = agents.map((a) => a.type);
  if (input.plan) {
    const check = validatePlan({ ...input.plan, goal: input.plan.goal ?? input.goal }, agentTypes);
    if (!check.ok) {
      throw ApplicationFailure.create({
        type: INVALID_PLAN,
        message: `the plan is invalid:\n${check.errors.join('\n')}`,
        nonRetryable: true,
        details: [check.errors],
      });
    }
    return { plan: check.plan, source: 'input', calls: [], spentMillicredits: 0 };
  }
  const result = await callStructured(model, {
    kind: 'planner',
    schema: PlanDraft,
    schemaName: 'plan',
    messages: plannerMessages({
      instructions: PLANNER_INSTRUCTIONS,
      goal: input.goal,
      constraints: input.constraints,
      agents,
    }),
    availableMillicredits: input.availableMillicredits,
    maxRepairs: PLANNER_REPAIR_ROUNDS,
    // A provider without strict schemas may add keys the plan format lacks (a task's "verify"): the planner is told.
    strictKeys: true,
    validate: (draft) => {
      const check = validatePlan(draftToPlanInput(input.goal, draft), agentTypes);
      return check.ok ? [] : check.errors;
    },
  });
  if (result.kind === 'insufficient_credits') {
    throw ApplicationFailure.create({
      type: BUDGET_TOO_SMALL,
      message:
        `planning needs ${formatCredits(result.shortfallMillicredits)} more credits than the budget allows; ` +
        'raise --budget or give a plan with --plan',
      nonRetryable: true,
    });
  }
  // The validate hook accepted this draft, so it passes again here.
  const check = validatePlan(draftToPlanInput(input.goal, result.value), agentTypes);
  if (!check.ok) throw new Error(`bug: a plan accepted by the planner failed validation: ${check.errors.join('; ')}`);
  return { plan: check.plan, source: 'planner', calls: result.calls, spentMillicredits: result.spentMillicredits };
}
