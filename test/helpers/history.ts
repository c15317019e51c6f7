import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { decodePayload } from '../../src/infra/data-converter';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/** Names of the activities a workflow scheduled, in order. */
export async function scheduledActivities(client: Client, workflowId: string): Promise<string[]> {
  return (await historyOf(client, workflowId))
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => !!n);
}

/** Workflow ids of the children a workflow started, in order. */
export async function startedChildren(client: Client, workflowId: string): Promise<string[]> {
  return (await historyOf(client, workflowId))
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((n): n is string => !!n);
}

/** Polls until `check` returns a value, or fails after the timeout with the description. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The summaries of the activities a workflow scheduled, decoded, in order (what the Web UI shows per step). */
export async function activitySummaries(client: Client, workflowId: string): Promise<string[]> {
  const summaries: string[] = [];
  for (const e of await historyOf(client, workflowId)) {
    const payload = e.activityTaskScheduledEventAttributes ? e.userMetadata?.summary : undefined;
    if (payload) summaries.push(await decodePayload<string>(payload));
  }
  return summaries;
}

/** A history's total size as the server stores it (the sum of its events' encoded sizes). */
export function historyBytes(events: HistoryEvent[]): number {
  return events.reduce((n, e) => n + JSON.stringify(e).length, 0);
}
