import type { OutputRef } from './run';

/**
 * Where a task lives and where its output is: the one place that builds a task workflow's id from its run and task
 * ids, and the reference to its output. Nothing else joins or splits these strings. Zod-free: task workflows import it.
 */

/** Joins a run's workflow id and a task id into the task workflow's id. Run ids never contain it (see isRunId). */
export const TASK_ID_SEPARATOR = '/';

/** The task workflow's id: `<runId>/<taskId>`, deterministic, so a task is found by its run and task ids alone. */
export function taskWorkflowId(runId: string, taskId: string): string {
  return `${runId}${TASK_ID_SEPARATOR}${taskId}`;
}

/** The reference to a task's output: today its task workflow's history (its last implementation result). */
export function taskOutputRef(runId: string, taskId: string): OutputRef {
  return { kind: 'taskHistory', workflowId: taskWorkflowId(runId, taskId) };
}

/**
 * Reads an output reference as any version of Planwright wrote it: runs recorded before references had a kind
 * stored the task workflow's id as a plain string.
 */
export function readOutputRef(raw: unknown): OutputRef | undefined {
  if (typeof raw === 'string') return { kind: 'taskHistory', workflowId: raw };
  if (raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'taskHistory') {
    const workflowId = (raw as { workflowId?: unknown }).workflowId;
    if (typeof workflowId === 'string') return { kind: 'taskHistory', workflowId };
  }
  return undefined;
}

/** A one-line description of where an output is, for messages. */
export function describeOutputRef(ref: OutputRef): string {
  return `the history of task workflow ${ref.workflowId}`;
}

/** Most characters of a run id: its task workflow ids (`<runId>/<taskId>`) must stay well under the server's limit. */
export const MAX_RUN_ID_CHARS = 200;

/**
 * Why `id` cannot be a run's workflow id, or undefined when it can. A run id holds no TASK_ID_SEPARATOR (run "a/b"
 * would be the task workflow of task "b" in run "a"), is not blank, has at most MAX_RUN_ID_CHARS characters and no
 * control characters (they hide in terminals and logs).
 */
export function checkRunId(id: string): string | undefined {
  if (!id.trim()) return 'a run id cannot be empty or blank';
  if (id.includes(TASK_ID_SEPARATOR)) {
    return `a run id cannot contain "${TASK_ID_SEPARATOR}", which joins run and task ids in task workflow ids`;
  }
  if (id.length > MAX_RUN_ID_CHARS) return `a run id has at most ${MAX_RUN_ID_CHARS} characters, this one ${id.length}`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'a run id cannot contain control characters (tabs, newlines, …)';
  return undefined;
}

/** True when `id` can be a run's workflow id (see checkRunId). */
export function isRunId(id: string): boolean {
  return checkRunId(id) === undefined;
}
