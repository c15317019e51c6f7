import { z } from 'zod';
import { settingsFor, type ModelSettings } from '../config';
import { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import { createAgentRegistry, REVIEWER_INSTRUCTIONS } from '../domain/agents';
import { worstCaseCost } from '../domain/credits';
import { MAX_SUMMARY_CHARS } from '../domain/limits';
import type { Plan } from '../domain/plan';
import { implementerMessages, reviewerMessages } from '../domain/prompts';
import { countInputTokens } from '../domain/tokens';

export interface PlanEstimate {
  /** Credits if every task passes review in its first round, each call at its worst case, in millicredits. */
  projectedMillicredits: number;
  /** Credits if every task uses every review round, in millicredits. */
  worstCaseMillicredits: number;
  perTask: { taskId: string; roundMillicredits: number }[];
}

/**
 * Projects a plan's cost before any task runs, with the same reservation math the run enforces: counted prompt tokens
 * (dependency context at its bound) plus each agent's maximum output tokens, at the configured prices.
 */
export function estimatePlan(
  plan: Plan,
  settings: ModelSettings,
  options: {
    planningMillicredits: number;
    maxReviewRounds: number;
    reviewPanelSize: number;
    /** The run's constraints: every implementer and reviewer prompt carries them. */
    constraints?: readonly string[];
  },
): PlanEstimate {
  const registry = createAgentRegistry(settings.customAgents);
  const implSchema = z.toJSONSchema(ImplementerOutput);
  const reviewSchema = z.toJSONSchema(ReviewVerdict);
  const perTask = plan.tasks.map((task) => {
    const agent = registry.get(task.agentType) ?? registry.get('general')!;
    const impl = settingsFor(settings, 'implementer', task.agentType);
    const reviewer = settingsFor(settings, 'reviewer');
    const dependencies = task.deps.map((d) => ({ taskId: d, title: d, summary: 'x'.repeat(MAX_SUMMARY_CHARS) }));
    const implTokens = countInputTokens(
      implementerMessages({ agent, task, goal: plan.goal, dependencies, constraints: options.constraints }),
      implSchema,
    );
    // The reviewed output is at most the implementer's maximum output; count it as that many tokens.
    const reviewTokens =
      countInputTokens(
        reviewerMessages({
          instructions: REVIEWER_INSTRUCTIONS,
          task,
          output: { summary: '', artifacts: [], notes: '' },
          constraints: options.constraints,
        }),
        reviewSchema,
      ) + impl.maxOutputTokens;
    const margin = settings.inputTokenMargin;
    const seats = task.critical ? options.reviewPanelSize : 1;
    const round =
      worstCaseCost(settings.prices, impl.model, Math.ceil(implTokens * margin), impl.maxOutputTokens) +
      seats *
        worstCaseCost(settings.prices, reviewer.model, Math.ceil(reviewTokens * margin), reviewer.maxOutputTokens);
    return { taskId: task.id, roundMillicredits: round };
  });
  const oneRound = perTask.reduce((sum, t) => sum + t.roundMillicredits, 0);
  return {
    projectedMillicredits: options.planningMillicredits + oneRound,
    worstCaseMillicredits: options.planningMillicredits + oneRound * options.maxReviewRounds,
    perTask,
  };
}
