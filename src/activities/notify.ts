import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelSettings } from '../config';
import { NOTIFY_REJECTED, NOTIFY_UNAVAILABLE } from '../domain/errors';
import type { RunNotification } from '../domain/notifications';
import { redactUrl, redactUrlsIn } from '../domain/redact';

/** How long one delivery may take before it counts as failed (and is retried). */
const DELIVERY_TIMEOUT_MS = 10_000;

export interface NotifyResult {
  /** false when this worker has no webhook configured */
  delivered: boolean;
  /** HTTP status the webhook answered */
  status?: number;
}

/**
 * POSTs a notification to the worker's webhook (`notifications.webhookUrl` or PLANWRIGHT_WEBHOOK_URL). Which worker
 * delivers is up to the task queue, so every worker of a fleet should carry the same setting. Without one, nothing is
 * sent and the result says so. A webhook that is down or rate-limits is retried by Temporal; one that refuses the
 * message (another 4xx) is not.
 */
export async function notify(settings: ModelSettings, notification: RunNotification): Promise<NotifyResult> {
  const url = settings.notifications.webhookUrl;
  if (!url) return { delivered: false };
  // A webhook's path is its secret (Slack's is the token): messages show the origin, without userinfo.
  const shown = redactUrl(url, { keepPath: false });
  const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'planwright' },
      body: JSON.stringify(notification),
      signal,
    });
  } catch (err) {
    throw ApplicationFailure.create({
      type: NOTIFY_UNAVAILABLE,
      // Node's fetch may quote the whole URL (it refuses one with `user:password@` in it).
      message: `webhook ${shown} unreachable: ${redactUrlsIn((err as Error).message, { keepPath: false })}`,
    });
  }
  // The body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return { delivered: true, status: response.status };
  const retryable = response.status === 429 || response.status >= 500;
  throw ApplicationFailure.create({
    type: retryable ? NOTIFY_UNAVAILABLE : NOTIFY_REJECTED,
    message: `webhook ${shown} answered ${response.status}`,
    nonRetryable: !retryable,
  });
}
