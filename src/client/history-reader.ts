import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { refusedMessage, refusalOf, shortReason, unreachableMessage } from '../infra/connection';
import { decodePayload } from '../infra/data-converter';
import { ServerRefusedError, ServerUnreachableError } from '../infra/errors';

/**
 * Reading workflow histories for front ends: events of one execution, decoded with the client's own data converter
 * (a run may be encrypted), activities paired with their outcomes, and server failures turned into one-line errors.
 */

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Decodes history payloads as `client` would its results: through its codecs, then the default converter. */
export type Decode = <T>(payload: Payload | null | undefined) => Promise<T | undefined>;

export function decoderFor(client: Client): Decode {
  const converter = client.options.loadedDataConverter;
  return async <T>(payload: Payload | null | undefined) => (payload ? decodePayload<T>(payload, converter) : undefined);
}

/** gRPC codes of a server that was not reached or did not answer in time. */
const UNREACHABLE_CODES = new Set([4, 14]);

/**
 * `err` as the CLI reports a server problem, naming the client's address: unreachable (exit 3) or refused (exit 2).
 * Anything else is returned as it is.
 */
export function asServerError(client: Client, err: unknown): unknown {
  const address = (client.connection as { options?: { address?: string } }).options?.address ?? 'its address';
  const refusal = refusalOf(err);
  if (refusal) return new ServerRefusedError(refusedMessage({ address, namespace: client.options.namespace }, refusal));
  // The client wraps the gRPC error ("Failed to describe workflow") with the status code in its cause.
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && UNREACHABLE_CODES.has(code)) {
      return new ServerUnreachableError(unreachableMessage(address, shortReason(e)));
    }
  }
  return err;
}

/** True for the ways the client says a workflow (or one of its executions) does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as Error).name === 'WorkflowNotFoundError' || (err as { code?: unknown }).code === 5;
}

/** The events of one execution of `workflowId` (the latest without `runId`), or undefined when there is none. */
export async function fetchEvents(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistoryEvent[] | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  } catch (err) {
    // fetchHistory surfaces a missing workflow as a raw gRPC NOT_FOUND (code 5), not WorkflowNotFoundError.
    if (isNotFound(err)) return undefined;
    throw asServerError(client, err);
  }
}

/** An event's time, ISO. */
export function eventTime(event: HistoryEvent): string {
  return new Date(tsToMs(event.eventTime)).toISOString();
}

/** One activity of a history: what was scheduled and, once it ended, how. */
export interface ActivityRecord {
  type: string;
  scheduledAt: string;
  input: Payload | undefined;
  /** The summary the workflow gave it (user metadata), still encoded. */
  summary: Payload | undefined;
  end?:
    | { kind: 'completed'; at: string; result: Payload | undefined }
    | { kind: 'failed'; at: string; failure: temporal.api.failure.v1.IFailure | undefined }
    | { kind: 'timedOut' | 'cancelled'; at: string };
}

/** The activities of a history in the order they were scheduled, each with its end when it has one. */
export function activitiesOf(events: readonly HistoryEvent[]): ActivityRecord[] {
  const byId = new Map<string, ActivityRecord>();
  const records: ActivityRecord[] = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const record: ActivityRecord = {
        type: scheduled.activityType?.name ?? '',
        scheduledAt: eventTime(event),
        input: scheduled.input?.payloads?.[0] ?? undefined,
        summary: event.userMetadata?.summary ?? undefined,
      };
      byId.set(String(event.eventId), record);
      records.push(record);
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const failed = event.activityTaskFailedEventAttributes;
    const timedOut = event.activityTaskTimedOutEventAttributes;
    const cancelled = event.activityTaskCanceledEventAttributes;
    const ended = completed ?? failed ?? timedOut ?? cancelled;
    const record = ended ? byId.get(String(ended.scheduledEventId)) : undefined;
    if (!record) continue;
    const at = eventTime(event);
    if (completed) record.end = { kind: 'completed', at, result: completed.result?.payloads?.[0] ?? undefined };
    else if (failed) record.end = { kind: 'failed', at, failure: failed.failure ?? undefined };
    else record.end = { kind: timedOut ? 'timedOut' : 'cancelled', at };
  }
  return records;
}

/** The first payload of `details` of a failure or of its causes: where our failures carry spend and outcomes. */
export function failureDetails(failure: temporal.api.failure.v1.IFailure | null | undefined): Payload | undefined {
  for (let f = failure, depth = 0; f && depth < 5; f = f.cause, depth++) {
    const payload = f.applicationFailureInfo?.details?.payloads?.[0];
    if (payload) return payload;
  }
  return undefined;
}

/**
 * The histories of every execution of `workflowId` (a workflow that continued as new has several), oldest first,
 * walking back from the execution `latestRunId` through each one it continued.
 */
export async function fetchExecutionChain(
  client: Client,
  workflowId: string,
  latestRunId: string,
): Promise<HistoryEvent[][]> {
  const chain: HistoryEvent[][] = [];
  for (let id: string | null | undefined = latestRunId; id;) {
    const events = await fetchEvents(client, workflowId, id);
    if (!events) break;
    chain.push(events);
    id = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  }
  return chain.reverse();
}
