import { z } from 'zod';
import type { Usage } from './model';
import type { TaskSpec } from './plan';

/**
 * Credit math. Amounts are integers in millicredits (thousandths of a credit) so that sums are exact and the invariant
 * "spent never exceeds approved" can be checked with plain integer comparisons. People see and type credits.
 */

export const ModelPrice = z.object({
  inputPer1K: z.number().min(0).describe('Credits per 1,000 input tokens'),
  outputPer1K: z.number().min(0).describe('Credits per 1,000 output tokens (reasoning tokens included)'),
  cachedInputPer1K: z.number().min(0).optional().describe('Credits per 1,000 cached input tokens; default: inputPer1K'),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.record(z.string(), ModelPrice).describe('Price per model name; "*" is the fallback');
export type PriceTable = z.infer<typeof PriceTable>;

/** One credit buys 1,000 input tokens of a mid-size model; output costs four times as much. */
export const DEFAULT_PRICES: PriceTable = {
  '*': { inputPer1K: 1, outputPer1K: 4 },
  'gpt-4.1': { inputPer1K: 5, outputPer1K: 20, cachedInputPer1K: 1.25 },
  'gpt-4.1-mini': { inputPer1K: 1, outputPer1K: 4, cachedInputPer1K: 0.25 },
  'gpt-4.1-nano': { inputPer1K: 0.25, outputPer1K: 1, cachedInputPer1K: 0.0625 },
  'gpt-4o-mini': { inputPer1K: 0.4, outputPer1K: 1.5, cachedInputPer1K: 0.2 },
};

export function toMillicredits(credits: number): number {
  return Math.round(credits * 1000);
}

export function formatCredits(millicredits: number): string {
  return (millicredits / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}

export function priceFor(prices: PriceTable, model: string): ModelPrice {
  const price = prices[model] ?? prices['*'] ?? DEFAULT_PRICES['*'];
  if (!price) throw new Error('price table has no "*" fallback entry');
  return price;
}

/** Cost of a call from its real usage, rounded up so that rounding never under-charges. */
export function costOf(prices: PriceTable, model: string, usage: Usage): number {
  const price = priceFor(prices, model);
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedPrice = price.cachedInputPer1K ?? price.inputPer1K;
  // tokens * credits-per-1K-tokens is exactly millicredits.
  const raw =
    (usage.inputTokens - cached) * price.inputPer1K + cached * cachedPrice + usage.outputTokens * price.outputPer1K;
  return Math.ceil(raw - 1e-9);
}

/** Worst-case cost of a call before it is made: every input token uncached, every allowed output token used. */
export function worstCaseCost(prices: PriceTable, model: string, inputTokens: number, maxOutputTokens: number): number {
  return costOf(prices, model, {
    inputTokens,
    outputTokens: maxOutputTokens,
    cachedInputTokens: 0,
    reasoningTokens: 0,
  });
}

export interface AllocationOptions {
  /** Share of the budget held back as the contingency pool, in percent. */
  reservePercent: number;
  /** Smallest allocation any task gets, in millicredits. */
  floorMillicredits: number;
}

export interface Allocation {
  /** Millicredits per task id. */
  perTask: Record<string, number>;
  /** Millicredits left for the contingency pool (the reserve plus rounding leftovers). */
  poolMillicredits: number;
}

/** Thrown when a budget cannot give every task its floor; the message names the budget that would. */
export class BudgetTooSmallError extends Error {
  override name = 'BudgetTooSmallError';
  constructor(
    message: string,
    readonly neededMillicredits: number,
  ) {
    super(message);
  }
}

/**
 * Splits a run budget across tasks in proportion to effort, every task getting at least the floor, and keeps the
 * reserve (plus rounding leftovers) as the contingency pool. The allocations and the pool add up to the budget.
 */
export function allocateBudget(
  tasks: readonly Pick<TaskSpec, 'id' | 'effort'>[],
  budgetMillicredits: number,
  options: AllocationOptions,
): Allocation {
  const reserve = Math.floor((budgetMillicredits * options.reservePercent) / 100);
  const distributable = budgetMillicredits - reserve;
  const floorTotal = options.floorMillicredits * tasks.length;
  if (floorTotal > distributable) {
    const needed = Math.ceil(floorTotal / (1 - options.reservePercent / 100));
    throw new BudgetTooSmallError(
      `a budget of ${formatCredits(budgetMillicredits)} credits cannot give ${tasks.length} tasks their floor of ` +
        `${formatCredits(options.floorMillicredits)} credits each after a ${options.reservePercent}% reserve; ` +
        `raise the budget to at least ${formatCredits(needed)} credits or lower the reserve`,
      needed,
    );
  }
  const totalEffort = tasks.reduce((sum, t) => sum + t.effort, 0);
  const aboveFloor = distributable - floorTotal;
  const perTask: Record<string, number> = {};
  let allocated = 0;
  for (const task of tasks) {
    const share = totalEffort > 0 ? Math.floor((aboveFloor * task.effort) / totalEffort) : 0;
    perTask[task.id] = options.floorMillicredits + share;
    allocated += options.floorMillicredits + share;
  }
  return { perTask, poolMillicredits: budgetMillicredits - allocated };
}
