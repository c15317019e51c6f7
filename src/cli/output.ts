import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ImplementerOutput } from '../domain/agent-outputs';
import type { MeteredResult } from '../domain/activity-contracts';
import { UserError } from '../infra/errors';

/**
 * A task's full output, read from its own workflow's history: the result of its last implementTask activity. Runs
 * keep only bounded summaries; the work itself stays here, by reference (`<runId>/<taskId>`).
 */
export async function readTaskOutput(client: Client, runId: string, taskId: string): Promise<ImplementerOutput> {
  const workflowId = `${runId}/${taskId}`;
  let events;
  try {
    events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  } catch (err) {
    // fetchHistory surfaces a missing workflow as a raw gRPC NOT_FOUND (code 5), not WorkflowNotFoundError.
    if ((err as Error).name === 'WorkflowNotFoundError' || (err as { code?: unknown }).code === 5) {
      throw new UserError(`no task "${taskId}" in run "${runId}" has started (no workflow ${workflowId})`);
    }
    throw err;
  }
  const activityOf = new Map<string, string>();
  let last: ImplementerOutput | undefined;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    const payload = completed?.result?.payloads?.[0];
    if (payload && activityOf.get(String(completed.scheduledEventId)) === 'implementTask') {
      const result = defaultPayloadConverter.fromPayload<MeteredResult<ImplementerOutput>>(payload);
      if (result.kind === 'ok') last = result.value;
    }
  }
  if (!last) throw new UserError(`task "${taskId}" of ${runId} has produced no output yet`);
  return last;
}

/** Writes each artifact under `dir` by its name, refusing names that would land outside it. Returns the paths. */
export function writeArtifacts(output: ImplementerOutput, dir: string): string[] {
  const root = path.resolve(dir);
  return output.artifacts.map((artifact) => {
    const file = path.resolve(root, artifact.name);
    if (!file.startsWith(root + path.sep)) {
      throw new UserError(`artifact "${artifact.name}" would be written outside ${root}; nothing was written for it`);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, artifact.content);
    return file;
  });
}
