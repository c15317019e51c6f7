import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateBudget, BudgetTooSmallError, costOf, formatCredits, worstCaseCost } from '../../src/domain/credits';
import { DEFAULT_PRICES } from '../../src/domain/prices';

describe('credit math', () => {
  it('charges real usage in millicredits, rounding up, with cached input at its own price', () => {
    const usage = { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400, reasoningTokens: 0 };
    // gpt-4.1-mini: 600 * 1 + 400 * 0.25 + 500 * 4 = 2700 millicredits.
    assert.equal(costOf(DEFAULT_PRICES, 'gpt-4.1-mini', usage), 2700);
    assert.equal(costOf(DEFAULT_PRICES, 'gpt-4.1-nano', { ...usage, cachedInputTokens: 0, inputTokens: 3 }), 501);
  });

  it('prices unknown models with the "*" fallback', () => {
    assert.equal(worstCaseCost(DEFAULT_PRICES, 'some-local-model', 100, 100), 100 + 400);
  });

  it('splits a budget by effort above a floor, and allocations plus pool add up to the budget', () => {
    const tasks = [
      { id: 'a', effort: 1 },
      { id: 'b', effort: 3 },
      { id: 'c', effort: 5 },
    ];
    const { perTask, poolMillicredits } = allocateBudget(tasks, 100_000, {
      reservePercent: 20,
      floorMillicredits: 1000,
    });
    const total = Object.values(perTask).reduce((s, v) => s + v, 0);
    assert.equal(total + poolMillicredits, 100_000);
    assert.ok(poolMillicredits >= 20_000);
    assert.ok(perTask.a! < perTask.b! && perTask.b! < perTask.c!);
    assert.ok(Object.values(perTask).every((v) => v >= 1000));
  });

  it('refuses a budget that cannot give every task its floor and names the budget that would', () => {
    const tasks = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, effort: 1 }));
    assert.throws(
      () => allocateBudget(tasks, 5000, { reservePercent: 20, floorMillicredits: 1000 }),
      (err: unknown) =>
        err instanceof BudgetTooSmallError && /raise the budget to at least 12\.5 credits/.test(err.message),
    );
  });

  it('formats millicredits as credits without trailing zeros', () => {
    assert.equal(formatCredits(12_500), '12.5');
    assert.equal(formatCredits(3), '0.003');
    assert.equal(formatCredits(0), '0');
  });
});
