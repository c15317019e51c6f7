import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseApprovers } from '../../src/cli/inputs';
import { approverProblem } from '../../src/domain/approvers';

const rules = [{ approver: 'ana', maxCredits: 20 }, { approver: 'group:finance' }];

describe("a run's approver list", () => {
  it('lets anyone decide when the run has no list', () => {
    assert.equal(approverProblem(undefined, { by: 'anyone' }, 1000), undefined);
    assert.equal(approverProblem([], {}, 1000), undefined);
  });

  it('refuses a person who is not on the list, and an unnamed one', () => {
    assert.match(
      approverProblem(rules, { by: 'bo' }, 5) ?? '',
      /"bo" is not on this run's approver list \(ana, group:finance\)/,
    );
    assert.match(approverProblem(rules, {}, 5) ?? '', /an unnamed approver is not on/);
  });

  it("holds a person to their cap, and lets a group member's uncapped entry approve any amount", () => {
    assert.equal(approverProblem(rules, { by: 'ana' }, 20), undefined);
    assert.match(
      approverProblem(rules, { by: 'ana' }, 25) ?? '',
      /"ana" may approve at most 20 credits at once, not 25/,
    );
    assert.equal(approverProblem(rules, { by: 'ana', groups: ['finance'] }, 25), undefined);
    assert.equal(approverProblem(rules, { by: 'cy', groups: ['finance'] }, 500), undefined);
  });

  it('lets anyone on the list deny, whatever their cap', () => {
    assert.equal(approverProblem(rules, { by: 'ana' }), undefined);
    assert.match(approverProblem(rules, { by: 'bo', groups: ['sales'] }) ?? '', /not on this run's approver list/);
  });

  it('reads --approver values, and names the fix for a bad cap', () => {
    assert.deepEqual(parseApprovers(['ana=20', 'group:finance', ' bo ']), [
      { approver: 'ana', maxCredits: 20 },
      { approver: 'group:finance' },
      { approver: 'bo' },
    ]);
    assert.throws(() => parseApprovers(['ana=lots']), /the cap after "=" must be a positive number of credits/);
    assert.throws(() => parseApprovers(['=5']), /names nobody/);
  });
});
