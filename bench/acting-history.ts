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

/** Where an activity of a loop spends its time, medians over the iterations measured. */
export interface ActivityHops {
  /** Scheduled → started: the server's dispatch to a worker's poll. */
  toStartMs: number;
  /** Started → completed: the activity's own work on the worker. */
  insideMs: number;
  /** Completed → the next activity scheduled: a workflow task (server, worker, server). */
  afterMs: number;
}

/** A loop's pace: one iteration, and where each kind of activity of it spent its time. */
export interface LoopPace {
  /** Mean time from one iteration's first activity scheduled to the next's, over the iterations measured. */
  periodMs: number;
  /** By activity type. */
  hops: Record<string, ActivityHops>;
}

/**
 * The pace of iterations `from`..`to` (0-based, `to` excluded) of a loop whose iterations each start with an activity
 * of type `first`: e.g. an acting task's steps (agentTurn, then runToolStep) or a plain loop of no-ops.
 */
export function loopPace(activities: ActivityTimes[], first: string, from: number, to: number): LoopPace {
  const starts = activities.filter((a) => a.type === first);
  if (starts.length <= to) throw new Error(`only ${starts.length} ${first} activities; need ${to + 1}`);
  const periodMs = (starts[to]!.scheduledMs - starts[from]!.scheduledMs) / (to - from);
  const begin = activities.indexOf(starts[from]!);
  const end = activities.indexOf(starts[to]!);
  const hops: Record<string, ActivityHops> = {};
  for (const type of new Set(activities.slice(begin, end).map((a) => a.type))) {
    const of = (f: (a: ActivityTimes, next: ActivityTimes) => number) =>
      median(
        activities
          .slice(begin, end)
          .map((a, i) => (a.type === type ? f(a, activities[begin + i + 1]!) : NaN))
          .filter((x) => !Number.isNaN(x)),
      );
    hops[type] = {
      toStartMs: of((a) => a.startedMs - a.scheduledMs),
      insideMs: of((a) => a.closedMs - a.startedMs),
      afterMs: of((a, next) => next.scheduledMs - a.closedMs),
    };
  }
  return { periodMs, hops };
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

/** Events of each type (scheduled activities by activity type) in a history and their encoded bytes, largest share first (what a long history is made of). */
export async function eventTypes(client: Client, workflowId: string): Promise<[string, number, number][]> {
  const counts = new Map<string, [number, number]>();
  for (const e of await historyOf(client, workflowId)) {
    const type = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const name = activity ? `${type} (${activity})` : type;
    const [n, bytes] = counts.get(name) ?? [0, 0];
    counts.set(name, [n + 1, bytes + temporal.api.history.v1.HistoryEvent.encode(e).finish().length]);
  }
  return [...counts]
    .map(([name, [n, bytes]]): [string, number, number] => [name, n, bytes])
    .sort((a, b) => b[2] - a[2]);
}
