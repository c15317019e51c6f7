import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { RunNotification } from '../../domain/notifications';

// A webhook gets a few tries within seconds: a message that cannot be delivered must not hold up a run.
const NOTIFY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
} as const;
const { notify } = proxyActivities<Activities>(NOTIFY_OPTIONS);

/** Tells people through the worker's webhook. Never fails the run: a message that cannot go out is logged. */
export async function tell(notification: RunNotification): Promise<void> {
  // Histories recorded before notifications existed replay without them.
  if (!patched('run-notifications')) return;
  try {
    await notify.executeWithOptions(
      {
        ...NOTIFY_OPTIONS,
        summary: `notify ${notification.event}${notification.taskId ? ` ${notification.taskId}` : ''}`,
      },
      [notification],
    );
  } catch (err) {
    log.warn('could not deliver a notification', { event: notification.event, error: String(err) });
  }
}
