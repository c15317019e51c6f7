import { randomBytes } from 'node:crypto';
import {
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { unknownRunInputKeys } from '../domain/plan-file';
import { ProgressTracker, type ProgressEvent } from '../domain/progress-events';
import type { GoalInput, RunView } from '../domain/run';
import { workspaceQueueOf } from '../domain/task-queues';
import { UserError } from '../infra/errors';
import type { goalWorkflow } from '../workflows';
import { statusQuery } from '../workflows/messages';

/** A readable, sortable, unique run id: pw-20261121-101502-a1b2. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `pw-${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function startRun(
  client: Client,
  input: GoalInput,
  options: { taskQueue: string; workflowId?: string },
): Promise<WorkflowHandle<typeof goalWorkflow>> {
  // The workflow drops keys it does not know (recorded runs must replay): a misspelt one is refused here instead.
  const unknown = unknownRunInputKeys(input);
  if (unknown.length > 0) throw new UserError(`invalid run input:\n  ${unknown.join('\n  ')}`);
  return client.workflow.start<typeof goalWorkflow>('goalWorkflow', {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId ?? newRunId(),
    args: [input],
    memo: runMemoOf(input),
    staticSummary: `Planwright run: ${input.goal.slice(0, 120)}`,
  });
}

/**
 * What a list of runs shows of each without asking its worker: the goal, the budget and the repository. In the memo,
 * which the data converter encrypts like every payload; never in search attributes, which are stored in clear.
 */
export function runMemoOf(input: GoalInput): RunMemo {
  const repo = input.workspace ? (input.workspace.repo ?? 'a new repository') : undefined;
  return {
    goal: input.goal.slice(0, MEMO_GOAL_CHARS),
    budgetCredits: input.budgetCredits,
    ...(repo ? { repo } : {}),
  };
}

/** The memo a run carries for lists (runs started before it have none). */
export type RunMemo = {
  goal: string;
  budgetCredits: number;
  repo?: string;
};

/** Most characters of the goal a list shows; the run's own view has all of it. */
const MEMO_GOAL_CHARS = 300;

/** Status of a run: the live query while it runs, its result once it has completed. */
export async function getRunView(client: Client, runId: string): Promise<RunView> {
  const handle = client.workflow.getHandle<typeof goalWorkflow>(runId);
  const description = await describeRun(client, runId);
  if (description.status.name === 'COMPLETED') return handle.result();
  if (description.status.name === 'RUNNING') return queryWithTimeout(handle, statusQuery, 10_000);
  throw new UserError(`run ${runId} ${await closedRunReason(handle, description.status.name)}`, 1);
}

/** The run's workflow as the server describes it (its latest execution); a UserError when there is no such run. */
export async function describeRun(client: Client, runId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(runId).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new UserError(`no run with id "${runId}"`);
    throw err;
  }
}

/** How a run that did not complete closed, e.g. "failed: the plan is invalid: …", from its result. */
export async function closedRunReason(handle: WorkflowHandle, statusName: string): Promise<string> {
  let reason = statusName.toLowerCase().replace('_', ' ');
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) reason = `${reason}: ${rootCause(err).message}`;
  }
  return reason;
}

/**
 * The failure at the bottom of a chain: a run that failed in an activity reports "Activity task failed", and the reason
 * a person can act on is that activity's own failure underneath.
 */
function rootCause(err: Error): Error {
  let at = err;
  while (at.cause instanceof Error) at = at.cause;
  return at;
}

/** A query that gives up after `ms` with a UserError: a query waits for a worker, and there may be none. */
export async function queryWithTimeout<Ret, Args extends unknown[]>(
  handle: WorkflowHandle,
  query: QueryDefinition<Ret, Args>,
  ms: number,
  ...args: Args
): Promise<Ret> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserError(`no worker answered the ${query.name} query; is a worker running? (\`npm run worker\`)`, 1),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([handle.query(query, ...args), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Follows a run to its end, reporting what changed at each look (every `pollMs`, and once more when it ends) as
 * progress events; returns the final report. Works on any run, also one that ended long ago: the first look reports
 * everything that already happened, with the workflow's own times.
 */
export async function followRun(
  client: Client,
  runId: string,
  onEvent: (event: ProgressEvent) => void,
  pollMs = 1000,
  options: FollowOptions = {},
): Promise<RunView> {
  const handle = client.workflow.getHandle<typeof goalWorkflow>(runId);
  const tracker = new ProgressTracker(runId);
  const report = (view: RunView) => {
    for (const event of tracker.next(view, new Date().toISOString())) onEvent(event);
  };
  const done = resultThroughOutages(handle, options);
  for (;;) {
    const finished = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), pollMs))]);
    if (!finished) {
      // A query that fails (no worker for a moment, the server restarting) is simply tried again at the next look.
      const view = await handle.query(statusQuery).catch(() => undefined);
      if (view) report(view);
      continue;
    }
    if ('error' in finished) {
      const error = finished.error;
      if (error instanceof WorkflowNotFoundError) throw new UserError(`no run with id "${runId}"`);
      const cause = error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : String(error);
      throw new UserError(`run ${runId} failed: ${cause}`, 1);
    }
    report(finished.view);
    return finished.view;
  }
}

export interface FollowOptions {
  /** Longest the server may stay out of reach before following gives up; default 10 minutes. */
  maxOutageMs?: number;
  /** Told each time the server is lost and found again (stderr in the CLI). */
  onNotice?: (line: string) => void;
}

/**
 * The run's outcome, riding through the Temporal server restarting or being out of reach for a while: a CI job must
 * fail for its run, not for a blip of the server. Reconnects with backoff (1 s doubling to 30 s), saying so, and gives
 * up after maxOutageMs without an answer.
 */
async function resultThroughOutages(
  handle: WorkflowHandle<typeof goalWorkflow>,
  options: FollowOptions,
): Promise<{ view: RunView } | { error: unknown }> {
  const maxOutageMs = options.maxOutageMs ?? 10 * 60_000;
  const notice = options.onNotice ?? ((line: string) => console.error(`planwright: ${line}`));
  let lostAt: number | undefined;
  let delayMs = 1000;
  for (;;) {
    const askedAt = Date.now();
    try {
      const view = await handle.result();
      return { view };
    } catch (error) {
      if (!(error instanceof ServiceError)) return { error };
      const now = Date.now();
      // A long wait before this failure means the server was back in between: this is a new outage.
      if (now - askedAt > 60_000) {
        lostAt = undefined;
        delayMs = 1000;
      }
      lostAt ??= now;
      if (now - lostAt > maxOutageMs) return { error };
      notice(
        `lost the Temporal server (${error.message.split('\n')[0]}); trying again in ${Math.round(delayMs / 1000)} s ` +
          '(the run goes on without us)',
      );
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }
}

/**
 * Fails fast when no worker polls the task queue: otherwise a waiting command would wait forever for a worker that
 * is not there.
 */
export async function ensureWorkerPolling(client: Client, namespace: string, taskQueue: string): Promise<void> {
  if ((await pollersOf(client, namespace, taskQueue, 'workflow')) === 0) {
    throw new UserError(
      `no worker is polling task queue "${taskQueue}"; start one with \`npm run worker\` (or \`planwright worker --task-queue ${taskQueue}\`)`,
      1,
    );
  }
}

/** How many workers poll the run's workspace queue for activities: none means a workspace run cannot open yet. */
export function workspacePollers(client: Client, namespace: string, taskQueue: string): Promise<number> {
  return pollersOf(client, namespace, workspaceQueueOf(taskQueue), 'activity');
}

/** Workers that polled a task queue lately, for workflow or activity tasks. */
async function pollersOf(client: Client, namespace: string, queue: string, kind: 'workflow' | 'activity') {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue },
    taskQueueType: kind === 'workflow' ? TASK_QUEUE_TYPE_WORKFLOW : TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (response.pollers ?? []).length;
}
