import { Context } from '@temporalio/activity';

const BEAT_MS = 5000;

/**
 * Runs `fn` while heartbeating every few seconds, so that the workflow learns within its heartbeat timeout when the
 * worker holding a checkout died or lost its network, and moves the task, instead of waiting out a long command.
 */
export async function withHeartbeat<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), BEAT_MS);
  try {
    return await fn(ctx.cancellationSignal);
  } finally {
    clearInterval(beat);
  }
}
