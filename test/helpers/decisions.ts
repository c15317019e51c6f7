import assert from 'node:assert/strict';
import type { Delivered } from '../../src/client';

/** The run's own answer to a decision; fails the test when no worker answered and the decision went as a signal. */
export function answerOf<A>(delivered: Delivered<A>): A & { decisionId: string } {
  assert.equal(delivered.delivery, 'answered', `no worker answered: ${JSON.stringify(delivered)}`);
  return delivered as A & { decisionId: string };
}
