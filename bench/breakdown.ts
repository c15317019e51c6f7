import type { Client } from '@temporalio/client';
import type { RunView } from '../src/domain/run';
import type { SimRequest } from '../src/simulator/request-log';
import { historyOf, type HistoryEvent } from '../test/helpers/history';

const timeOf = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** The hops of a task that passed review in one round, in order; each is a server round trip or worker work. */
export const HOPS = [
  "parent's workflow task → child started",
  "child's first workflow task → implement scheduled",
  'implement scheduled → its request reaches the model',
  "model's answer → implement completed",
  'workflow task: implement completed → review scheduled',
  'review scheduled → its request reaches the model',
  "model's answer → review completed",
  'workflow task: review completed → child closed',
  "child closed → parent's workflow task (the slot frees)",
] as const;

/**
 * Where a task's orchestration goes: the mean of each hop over the run's tasks, from each child's history (server
 * times) and the simulator's request log. Tasks that took other than one implement and one review call are left out.
 */
export async function orchestrationHops(
  client: Client,
  view: RunView,
  requests: readonly SimRequest[],
): Promise<{ hop: string; meanMs: number }[]> {
  const sums: number[] = HOPS.map(() => 0);
  let counted = 0;
  for (const task of view.tasks) {
    const calls = requests.filter((r) => r.task === task.id && r.finishedAt !== undefined);
    const events = await historyOf(client, task.workflowId);
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map(timeOf);
    const completed = events.filter((e) => e.activityTaskCompletedEventAttributes).map(timeOf);
    if (calls.length !== 2 || scheduled.length !== 2 || completed.length !== 2) continue;
    const [implement, review] = calls as [SimRequest, SimRequest];
    const childStarted = timeOf(events[0]!);
    const childClosed = timeOf(events.at(-1)!);
    const hops = [
      childStarted - Date.parse(task.startedAt!),
      scheduled[0]! - childStarted,
      implement.receivedAt - scheduled[0]!,
      completed[0]! - implement.finishedAt!,
      scheduled[1]! - completed[0]!,
      review.receivedAt - scheduled[1]!,
      completed[1]! - review.finishedAt!,
      childClosed - completed[1]!,
      Date.parse(task.finishedAt!) - childClosed,
    ];
    hops.forEach((ms, i) => (sums[i]! += ms));
    counted++;
  }
  return HOPS.map((hop, i) => ({ hop, meanMs: counted ? sums[i]! / counted : NaN }));
}
