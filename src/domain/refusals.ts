import type { RefusedMessage, RefusedMessages } from './approvals';
import { MAX_REFUSALS_KEPT } from './limits';

/** Longest reason kept for a refused message: what anyone sends must not grow a run's state. */
const MAX_REFUSAL_REASON_CHARS = 300;

/** No message refused yet. */
export function noRefusals(): RefusedMessages {
  return { count: 0, byName: {}, recent: [] };
}

/** Counts a refused message by name and keeps it among the last MAX_REFUSALS_KEPT, its reason bounded. */
export function recordRefusal(refused: RefusedMessages, message: RefusedMessage): void {
  refused.count++;
  refused.byName[message.name] = (refused.byName[message.name] ?? 0) + 1;
  refused.recent.push({ ...message, reason: message.reason.slice(0, MAX_REFUSAL_REASON_CHARS) });
  if (refused.recent.length > MAX_REFUSALS_KEPT) refused.recent.shift();
}
