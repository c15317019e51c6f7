import { CancelledFailure } from '@temporalio/common';

/**
 * Spaces request starts at least 1/rate seconds apart within this worker, so no second ever sees more than `rate`
 * requests from it. Token buckets (Temporal's task-queue and worker limits) hold the average but admit bursts; this
 * holds every second. Paced 2% under the rate so that network jitter cannot push two starts into one second.
 */
export interface Pacer {
  /** Resolves when the caller may send its request; rejects with CancelledFailure when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void>;
}

export function createPacer(requestsPerSecond: number | undefined, now: () => number = Date.now): Pacer {
  if (!requestsPerSecond) return { wait: () => Promise.resolve() };
  const intervalMs = (1000 / requestsPerSecond) * 1.02;
  let nextSlot = 0;
  return {
    wait(signal) {
      const at = Math.max(now(), nextSlot);
      nextSlot = at + intervalMs;
      const delay = at - now();
      if (delay <= 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new CancelledFailure('cancelled while waiting for a request slot'));
        });
      });
    },
  };
}
