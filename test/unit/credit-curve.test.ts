/** Unit tests of a run's spending curve. No server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditCurve } from '../../src/domain/credit-curve';
import type { ApprovalDecision } from '../../src/domain/run';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const approved = (minute: number, millicredits: number, decision: ApprovalDecision['decision'] = 'approved') => ({
  taskId: 't',
  decision,
  millicredits,
  by: 'ann',
  at: at(minute),
});

describe('creditCurve', () => {
  it('starts at zero, adds each spend in time order and raises the budget line only where a person approved', () => {
    const curve = creditCurve({
      startedAt: at(0),
      budgetMillicredits: 10_000,
      spends: [
        { at: at(5), millicredits: 300 },
        { at: at(2), millicredits: 100 },
      ],
      decisions: [approved(3, 4000), approved(4, 500, 'auto-approved'), approved(4, 0, 'denied')],
    });
    assert.deepEqual(curve, [
      { at: at(0), spentMillicredits: 0, budgetMillicredits: 10_000 },
      { at: at(2), spentMillicredits: 100, budgetMillicredits: 10_000 },
      { at: at(3), spentMillicredits: 100, budgetMillicredits: 14_000 },
      { at: at(5), spentMillicredits: 400, budgetMillicredits: 14_000 },
    ]);
  });

  it("ends a live run's curve at now, never below what it booked", () => {
    const curve = creditCurve({
      startedAt: at(0),
      budgetMillicredits: 1000,
      spends: [{ at: at(1), millicredits: 200 }],
      decisions: [],
      now: { at: at(9), spentMillicredits: 350 },
    });
    assert.deepEqual(curve.at(-1), { at: at(9), spentMillicredits: 350, budgetMillicredits: 1000 });
  });

  it('keeps at most 500 points for 5,000 task ends, with the first, the last and every budget change', () => {
    const spends = Array.from({ length: 5000 }, (_, i) => ({ at: at(1 + i / 100), millicredits: 10 }));
    const curve = creditCurve({
      startedAt: at(0),
      budgetMillicredits: 100_000,
      spends,
      decisions: [approved(17, 999)],
    });
    assert.ok(curve.length <= 500, `${curve.length} points`);
    assert.deepEqual(curve[0], { at: at(0), spentMillicredits: 0, budgetMillicredits: 100_000 });
    assert.equal(curve.at(-1)!.spentMillicredits, 50_000);
    assert.equal(curve.at(-1)!.budgetMillicredits, 100_999);
    const change = curve.findIndex((p) => p.budgetMillicredits === 100_999);
    assert.equal(curve[change]!.at, at(17));
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i]!.spentMillicredits >= curve[i - 1]!.spentMillicredits);
  });
});
