import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { JITTER_ALLOWANCE_MS, createPacer } from '../../src/activities/model/pacer';

const WINDOW_MS = 1000 + JITTER_ALLOWANCE_MS;

/** Starts `count` waits at once and returns when each was let go, in ms since the first call. */
async function releaseTimes(pacer: ReturnType<typeof createPacer>, count: number): Promise<number[]> {
  const started = Date.now();
  return Promise.all(Array.from({ length: count }, () => pacer.wait().then(() => Date.now() - started)));
}

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('request pacer', () => {
  it('lets at most `rate` requests go in any second, a little longer to absorb jitter', async () => {
    const times = await releaseTimes(createPacer(4), 9);
    for (const [i, t] of times.entries())
      if (i >= 4) assert.ok(t - times[i - 4]! >= WINDOW_MS - 1, `request ${i} at ${t} ms: ${times.join(', ')}`);
    // It does not hold back more than it must: the ninth goes in the third window.
    assert.ok(times[8]! < 2 * WINDOW_MS + 200, `ninth at ${times[8]} ms`);
  });

  it('counts from when a request was let go, so a late timer moves the requests after it', async () => {
    const pacer = createPacer(1);
    const released = releaseTimes(pacer, 3);
    // Block the event loop across the second request's timer: it goes ~300 ms late.
    setTimeout(() => busyFor(400), 900);
    const [, second, third] = await released;
    assert.ok(second! >= 1250, `second at ${second} ms`);
    assert.ok(third! - second! >= WINDOW_MS - 1, `second at ${second} ms, third at ${third} ms`);
  });

  it('rounds a fractional rate down, and spaces rates below one per second', async () => {
    const [, second, third] = await releaseTimes(createPacer(2.5), 3);
    assert.ok(second! < 100, `second at ${second} ms`);
    assert.ok(third! >= WINDOW_MS - 1, `third at ${third} ms`);
    const [, slow] = await releaseTimes(createPacer(0.8), 2);
    assert.ok(slow! >= 1250 + JITTER_ALLOWANCE_MS - 1, `at 0.8/s the second at ${slow} ms`);
  });

  it('does not wait without a rate', async () => {
    const started = Date.now();
    const pacer = createPacer(undefined);
    for (let i = 0; i < 100; i++) await pacer.wait();
    assert.ok(Date.now() - started < 50);
  });

  it('gives up at once when the activity is cancelled while waiting, and its turn passes to the next', async () => {
    const pacer = createPacer(1);
    const started = Date.now();
    await pacer.wait();
    const abort = new AbortController();
    const cancelled = pacer.wait(abort.signal);
    const next = pacer.wait().then(() => Date.now() - started);
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(cancelled, (err: unknown) => err instanceof CancelledFailure);
    assert.ok(Date.now() - started < 500, 'the cancelled wait ended when it was cancelled');
    const at = await next;
    assert.ok(at >= WINDOW_MS - 1 && at < WINDOW_MS + 300, `the next went at ${at} ms, in the cancelled one's turn`);
  });
});
