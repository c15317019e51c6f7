import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { createPacer } from '../../src/activities/model/pacer';

describe('request pacer', () => {
  it('spaces starts at least 1/rate apart, a little more to absorb jitter', async () => {
    const pacer = createPacer(20);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.wait();
      starts.push(Date.now());
    }
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i]! - starts[i - 1]! >= 49, `gap ${starts[i]! - starts[i - 1]!}`);
  });

  it('does not wait without a rate', async () => {
    const started = Date.now();
    const pacer = createPacer(undefined);
    for (let i = 0; i < 100; i++) await pacer.wait();
    assert.ok(Date.now() - started < 50);
  });

  it('gives up with a cancellation when the activity is cancelled while waiting', async () => {
    const pacer = createPacer(1);
    await pacer.wait();
    const abort = new AbortController();
    const waiting = pacer.wait(abort.signal);
    abort.abort();
    await assert.rejects(waiting, (err: unknown) => err instanceof CancelledFailure);
  });
});
