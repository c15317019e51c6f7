/** What bench/acting.ts reads from histories: activity times (the server's clock) and history sizes. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { historyOf, type HistoryEvent } from '../test/helpers/history';

const timeOf = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** One activity of a workflow, as its history records it. */
export interface ActivityTimes {
  type: string;
  scheduledMs: number;
  startedMs: number;
  closedMs: number;
}

/** The activities a workflow ran, in the order it scheduled them (retries are one entry: their last attempt's times). */
export function activitiesOf(events: HistoryEvent[]): ActivityTimes[] {
  const byId = new Map<string, ActivityTimes>();
  const list: ActivityTimes[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const t = timeOf(e);
      const record = { type: scheduled.activityType?.name ?? '?', scheduledMs: t, startedMs: NaN, closedMs: NaN };
      byId.set(String(e.eventId), record);
      list.push(record);
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) byId.get(String(started.scheduledEventId))!.startedMs = timeOf(e);
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed) byId.get(String(closed.scheduledEventId))!.closedMs = timeOf(e);
  }
  return list;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** A loop's pace: one iteration, and what its activities spent inside the worker. */
export interface LoopPace {
  /** Mean time from one iteration's first activity scheduled to the next's, over the iterations measured. */
  periodMs: number;
  /** Median time each kind of activity of an iteration ran on the worker (started → completed), by type. */
  insideMs: Record<string, number>;
}

/**
 * The pace of iterations `from`..`to` (0-based, `to` excluded) of a loop whose iterations each start with an activity
 * of type `first`: e.g. an acting task's steps (agentTurn, then runToolStep) or a plain loop of no-ops.
 */
export function loopPace(activities: ActivityTimes[], first: string, from: number, to: number): LoopPace {
  const starts = activities.filter((a) => a.type === first);
  if (starts.length <= to) throw new Error(`only ${starts.length} ${first} activities; need ${to + 1}`);
  const periodMs = (starts[to]!.scheduledMs - starts[from]!.scheduledMs) / (to - from);
  const window = activities.filter((a) => a.scheduledMs >= starts[from]!.scheduledMs && a.scheduledMs < starts[to]!.scheduledMs);
  const insideMs: Record<string, number> = {};
  for (const type of new Set(window.map((a) => a.type))) {
    insideMs[type] = median(window.filter((a) => a.type === type).map((a) => a.closedMs - a.startedMs));
  }
  return { periodMs, insideMs };
}

/** A history's length and size: the sum of its events' protobuf encodings, and the size the server reports. */
export async function historySize(
  client: Client,
  workflowId: string,
): Promise<{ events: number; bytes: number; serverBytes: number | undefined }> {
  const events = await historyOf(client, workflowId);
  const bytes = events.reduce((n, e) => n + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0);
  const described = await client.workflow.getHandle(workflowId).describe();
  return { events: events.length, bytes, serverBytes: described.historySize };
}

/** Events of each type in a history, most frequent first (to see what a long task's history is made of). */
export async function eventTypes(client: Client, workflowId: string): Promise<[string, number][]> {
  const counts = new Map<string, number>();
  for (const e of await historyOf(client, workflowId)) {
    const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
