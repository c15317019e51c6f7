import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { suggestApproval } from '../../src/domain/approval-suggestion';

const progress = { round: 1, spentMillicredits: 0, availableMillicredits: 1_500, modelCalls: 0, maxRounds: 3 };

describe('the credits suggested to an approver', () => {
  it('covers the calls left in the round, each at the price of the call that waits, less what the task holds', () => {
    // The first call of a round costs 7.3 + 1.5 it holds = 8.8; the work and its review: 17.6 − 1.5 = 16.1.
    const first = suggestApproval({ shortfallMillicredits: 7_300, progress });
    assert.equal(first.credits, 17);
    assert.match(first.basis, /^2 calls left in round 1 of 3 \(a round took 2 calls\) at 8\.8 credits each/);
    assert.match(first.basis, /less the 1\.5 the task still holds; a failed review asks again$/);
  });

  it('asks only for the shortfall when the call that waits is the last of its round', () => {
    const review = suggestApproval({
      shortfallMillicredits: 700,
      progress: { ...progress, spentMillicredits: 8_300, availableMillicredits: 16_500, modelCalls: 1 },
    });
    assert.equal(review.credits, 1);
    assert.match(review.basis, /^the one call left in round 1/);
  });

  it('covers the work and its review again in a round after a failed review', () => {
    // Round 1 took 2 calls; round 2 has made none: 2 left at 1 + 0.5 credits, less the 0.5 held.
    const again = suggestApproval({
      shortfallMillicredits: 1_000,
      progress: { round: 2, spentMillicredits: 9_000, availableMillicredits: 9_500, modelCalls: 2, maxRounds: 3 },
    });
    assert.match(again.basis, /^2 calls left in round 2 of 3 \(a round took 2 calls\)/);
    assert.equal(again.credits, 3);
  });

  it('suggests the shortfall when the task cannot be asked', () => {
    const unknown = suggestApproval({ shortfallMillicredits: 300 });
    assert.equal(unknown.credits, 1);
    assert.match(unknown.basis, /progress could not be read/);
  });
});
