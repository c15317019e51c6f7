import { CancelledFailure } from '@temporalio/common';

/**
 * Holds this worker to at most `rate` request starts in any one second (at most one per 1/rate seconds below one
 * per second). Token buckets (Temporal's task-queue and worker limits) hold the average but admit bursts; this holds
 * every second.
 *
 * It is a sliding window over the times requests were actually let go, not a schedule of slots: a timer that fires
 * late (a busy event loop) moves every later request too, so lateness can never squeeze three requests into one
 * second. The window is JITTER_ALLOWANCE_MS longer than a second because the provider counts when a request arrives,
 * and the way there (connection reuse, the event loop, the network) takes longer for some requests than others.
 * A fractional rate above one is rounded down: a second cannot hold 2.5 requests.
 */
export interface Pacer {
  /** Resolves when the caller may send its request; rejects with CancelledFailure when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void>;
}

/** How much later a request may reach the provider than the one a window before it, without breaking the limit. */
export const JITTER_ALLOWANCE_MS = 100;

export function createPacer(requestsPerSecond: number | undefined, now: () => number = Date.now): Pacer {
  if (!requestsPerSecond) return { wait: () => Promise.resolve() };
  const perWindow = Math.max(1, Math.floor(requestsPerSecond));
  const windowMs = Math.max(1000, (perWindow / requestsPerSecond) * 1000) + JITTER_ALLOWANCE_MS;
  // Times the last `perWindow` requests were let go, oldest first.
  const released: number[] = [];
  // Waiters take turns in arrival order; a cancelled waiter gives its turn to the next.
  let queue: Promise<void> = Promise.resolve();

  async function untilAllowed(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new CancelledFailure('cancelled while waiting for a request slot');
      if (released.length < perWindow) break;
      const delay = released[0]! + windowMs - now();
      if (delay <= 0) {
        released.shift();
        continue;
      }
      await sleep(delay, signal);
    }
    released.push(now());
  }

  return {
    wait(signal) {
      const turn = queue.then(() => untilAllowed(signal));
      queue = turn.catch(() => undefined);
      // A cancelled caller hears it at once, not when its turn comes; its turn then passes without a request.
      return signal ? Promise.race([turn, aborted(signal)]) : turn;
    },
  };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new CancelledFailure('cancelled while waiting for a request slot'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledFailure('cancelled while waiting for a request slot'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
