import type { Usage } from './model';
import type { TaskSpec } from './plan';
import type { ModelPrice, PriceTable } from './prices';

/**
 * Credit math. Amounts are integers in millicredits (thousandths of a credit) so that sums are exact and the invariant
 * "spent never exceeds approved" can be checked with plain integer comparisons. People see and type credits.
 */

/** The price of a model the table does not name, when the table has no "*" entry either. */
export const FALLBACK_PRICE: ModelPrice = { inputPer1K: 1, outputPer1K: 4 };

export function toMillicredits(credits: number): number {
  return Math.round(credits * 1000);
}

export function formatCredits(millicredits: number): string {
  return (millicredits / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}

export function priceFor(prices: PriceTable, model: string): ModelPrice {
  return prices[model] ?? prices['*'] ?? FALLBACK_PRICE;
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
