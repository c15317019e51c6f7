import type { Client } from '@temporalio/client';
import type { MeteredResult } from '../domain/activity-contracts';
import type { ImplementerOutput } from '../domain/agent-outputs';
import type { OutputRef } from '../domain/run';
import { describeOutputRef } from '../domain/task-address';
import { decodePayload } from '../infra/data-converter';
import { UserError } from '../infra/errors';

/**
 * A task's full output, by its reference (src/domain/task-address.ts). Runs keep only bounded summaries; the work
 * itself stays where the reference points: today the result of the task workflow's last implementTask activity.
 */
export async function readTaskOutput(
  client: Client,
  ref: OutputRef,
  /** How messages name the task, e.g. `task "api" in run "pw-…"`. */
  label = 'the task',
): Promise<ImplementerOutput> {
  const { workflowId } = ref;
  let events;
  try {
    events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  } catch (err) {
    // fetchHistory surfaces a missing workflow as a raw gRPC NOT_FOUND (code 5), not WorkflowNotFoundError.
    if ((err as Error).name === 'WorkflowNotFoundError' || (err as { code?: unknown }).code === 5) {
      throw new UserError(`no ${label} has started (no workflow ${workflowId})`);
    }
    throw err;
  }
  const activityOf = new Map<string, string>();
  let last: ImplementerOutput | undefined;
  let acted = false;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
    if (scheduled?.activityType?.name === 'prepareTaskCheckout') acted = true;
    const completed = event.activityTaskCompletedEventAttributes;
    const payload = completed?.result?.payloads?.[0];
    if (payload && activityOf.get(String(completed.scheduledEventId)) === 'implementTask') {
      const result = await decodePayload<MeteredResult<ImplementerOutput>>(payload);
      if (result.kind === 'ok') last = result.value;
    }
  }
  if (!last && acted) {
    // An acting task's work is in the run's repository; its history holds step summaries only.
    throw new TaskActedError(label);
  }
  if (!last) throw new UserError(`${label} has produced no output yet (${describeOutputRef(ref)})`);
  return last;
}

/** A task that acted in the run's repository has a branch, not a reply: front ends print how to see its diff. */
export class TaskActedError extends UserError {
  constructor(label: string) {
    super(`${label} acted in the run's repository: its work is a branch, not a reply`);
  }
}
