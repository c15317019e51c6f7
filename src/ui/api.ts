import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { checkListableStatus, type Delivered, type RunRow, type WaitingTask, type WaitingToolCall } from '../client';
import { formatCredits } from '../domain/credits';
import { formatIssues } from '../domain/plan-validation';
import type { TaskView } from '../domain/run';
import type { TaskDetails } from '../domain/run-details';
import { checkRunId } from '../domain/task-address';
import { EXIT, UserError } from '../infra/errors';
import type { UiBackend } from './backend';
import { HttpError, problemOf, readJsonBody, sendJson } from './http';
import type { Session } from './identity';
import type { RunWatchers } from './live-updates';
import {
  ApproveBudgetBody,
  ApproveToolCallBody,
  DenyBudgetBody,
  DenyToolCallBody,
  FinishRunBody,
  RetryTaskBody,
  RunsQuery,
} from './requests';
import { forPage, serveRunEvents } from './run-events';
import { checkDecisionOrigin } from './security';

/** The JSON API under /api: reads for the page, and the four decisions, taken in the session's name. */

export interface ApiContext {
  backend: UiBackend;
  watchers: RunWatchers;
  session: Session;
  authKind: string;
  log: (line: string) => void;
}

/** A run in the runs list, with what it waits for when a worker could say. */
export interface RunListRow extends RunRow {
  waitingTasks?: Omit<WaitingTask, 'runId'>[];
  waitingToolCalls?: Omit<WaitingToolCall, 'runId'>[];
}

export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  const parts = url.pathname.split('/').slice(2).map(decodeSegment);
  const [resource, runId, sub, taskId, extra] = parts;
  if (req.method === 'GET' && resource === 'session' && parts.length === 1) {
    const { name, csrfToken } = ctx.session;
    return sendJson(res, 200, { name, csrfToken, namespace: ctx.backend.namespace, auth: ctx.authKind });
  }
  if (resource !== 'runs') throw new HttpError(404, `no such API: ${url.pathname}`);
  if (req.method === 'GET' && parts.length === 1) return sendJson(res, 200, await listRunsForPage(url, ctx));
  if (runId === undefined) throw new HttpError(404, `no such API: ${url.pathname}`);
  const problem = checkRunId(runId);
  if (problem) throw new HttpError(400, `${JSON.stringify(runId)} is not a run id: ${problem}`);
  if (req.method === 'GET' && parts.length === 2) {
    return sendJson(res, 200, forPage(await readOr404(() => ctx.backend.readRun(runId))));
  }
  if (req.method === 'GET' && sub === 'events' && parts.length === 3)
    return serveRunEvents(req, res, runId, ctx.watchers);
  if (req.method === 'GET' && sub === 'tasks' && taskId && extra === undefined) {
    return sendJson(res, 200, await taskForPage(runId, taskId, ctx));
  }
  if (req.method === 'POST' && sub && parts.length === 3 && Object.hasOwn(DECISIONS, sub)) {
    checkDecisionOrigin(req, ctx.session.csrfToken);
    return decide(res, runId, DECISIONS[sub]!, await readJsonBody(req), ctx);
  }
  throw new HttpError(
    req.method === 'GET' || req.method === 'POST' ? 404 : 405,
    `no such API: ${req.method} ${url.pathname}`,
  );
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** A read's failure as the page should see it: an unknown run or task is 404 with the library's message. */
async function readOr404<T>(read: () => Promise<T>, what?: string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const { status, message } = problemOf(err, what);
    throw new HttpError(status, message);
  }
}

async function listRunsForPage(url: URL, ctx: ApiContext): Promise<{ runs: RunListRow[]; waitingUnknown?: string }> {
  const query = RunsQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) throw new HttpError(400, formatIssues(query.error.issues).join('; '));
  const { status, limit } = query.data;
  if (status) {
    try {
      checkListableStatus(status);
    } catch (err) {
      throw new HttpError(400, (err as Error).message.replace('--status', 'status'));
    }
  }
  const listed = await readOr404(
    () => ctx.backend.listRuns({ limit, progress: true, ...(status ? { status } : {}) }),
    'the runs',
  );
  // Waiting runs come first, also those older than the newest `limit` runs.
  const waitingRows =
    !status || status === 'awaiting_approval'
      ? await readOr404(() => ctx.backend.listRuns({ status: 'awaiting_approval', limit: 100 }), 'the runs')
      : [];
  let waiting: Awaited<ReturnType<UiBackend['listWaiting']>> | undefined;
  let waitingUnknown: string | undefined;
  if (waitingRows.length > 0) {
    try {
      waiting = await ctx.backend.listWaiting();
    } catch (err) {
      waitingUnknown = `what the runs wait for is unknown (${problemOf(err).message}); is a worker running?`;
    }
  }
  const rows = new Map<string, RunListRow>();
  for (const row of [...waitingRows, ...listed]) rows.set(row.runId, { ...row });
  for (const { runId, ...task } of waiting?.tasks ?? []) {
    const row = rows.get(runId);
    if (row) (row.waitingTasks ??= []).push(task);
  }
  for (const { runId, ...call } of waiting?.toolCalls ?? []) {
    const row = rows.get(runId);
    if (row) (row.waitingToolCalls ??= []).push(call);
  }
  const isWaiting = (r: RunListRow) =>
    r.status === 'awaiting_approval' ||
    r.status === 'holding' ||
    (r.waitingTasks?.length ?? 0) + (r.waitingToolCalls?.length ?? 0) > 0;
  const since = (r: RunListRow) =>
    Math.min(...[...(r.waitingTasks ?? []), ...(r.waitingToolCalls ?? [])].map((w) => Date.parse(w.since)), Infinity);
  const all = [...rows.values()];
  // Longest waiting first; the rest newest first, as listed.
  const runs = [...all.filter(isWaiting).sort((a, b) => since(a) - since(b)), ...all.filter((r) => !isWaiting(r))];
  return { runs, ...(waitingUnknown ? { waitingUnknown } : {}) };
}

async function taskForPage(
  runId: string,
  taskId: string,
  ctx: ApiContext,
): Promise<{ details: TaskDetails; task?: TaskView }> {
  const details = await readOr404(() => ctx.backend.readTask(runId, taskId), 'the task');
  // The task's row of the status view, when the run is watched (a large run's view lists only unfinished tasks).
  const task = ctx.watchers.latest(runId)?.view.tasks.find((t) => t.id === taskId);
  return { details, ...(task ? { task } : {}) };
}

type Answer = Delivered<{ accepted: boolean; reason?: string; duplicate?: boolean }>;

/** Who decides: the session's name, and its groups when a proxy names them. */
interface Decider {
  by: string;
  groups?: string[];
}

/** A decision the page can send: its body checked, then sent in the caller's name. */
interface Decision {
  what: string;
  /** Checks the body (400 naming the field); returns how to send it and what to say once the run took it. */
  parse(raw: unknown): { send(backend: UiBackend, runId: string, who: Decider): Promise<Answer>; done: string };
}

function decision<S extends z.ZodType>(d: {
  schema: S;
  what: string;
  send(backend: UiBackend, runId: string, body: z.infer<S>, who: Decider): Promise<Answer>;
  done(body: z.infer<S>): string;
}): Decision {
  return {
    what: d.what,
    parse(raw) {
      const parsed = d.schema.safeParse(raw);
      if (!parsed.success) {
        throw new HttpError(400, `invalid ${d.what}: ${formatIssues(parsed.error.issues).join('; ')}`);
      }
      const body = parsed.data;
      return { send: (backend, runId, who) => d.send(backend, runId, body, who), done: d.done(body) };
    },
  };
}

const DECISIONS: Record<string, Decision> = {
  'approve-budget': decision({
    schema: ApproveBudgetBody,
    what: 'approval',
    send: (b, runId, body, who) => b.approveBudget(runId, { ...body, ...who }),
    done: (body) => `Approved ${formatCredits(Math.round(body.credits * 1000))} credits for ${body.taskId}.`,
  }),
  'deny-budget': decision({
    schema: DenyBudgetBody,
    what: 'denial',
    send: (b, runId, body, who) => b.denyBudget(runId, { ...body, ...who }),
    done: (body) => `Denied credits for ${body.taskId}.`,
  }),
  'approve-tool-call': decision({
    schema: ApproveToolCallBody,
    what: 'approval',
    send: (b, runId, body, who) => b.approveToolCall(runId, { ...body, ...who }),
    done: (body) => `Approved tool call ${body.requestId}.`,
  }),
  'deny-tool-call': decision({
    schema: DenyToolCallBody,
    what: 'denial',
    send: (b, runId, body, who) => b.denyToolCall(runId, { ...body, ...who }),
    done: (body) => `Denied tool call ${body.requestId}.`,
  }),
  'retry-tasks': decision({
    schema: RetryTaskBody,
    what: 'retry',
    send: (b, runId, { taskId, ...rest }, who) => b.retryTasks(runId, { taskIds: [taskId], ...rest, ...who }),
    done: (body) => `Retrying ${body.taskId} and what was skipped because of it.`,
  }),
  'finish-run': decision({
    schema: FinishRunBody,
    what: 'finish',
    send: (b, runId, body, who) => b.finishRun(runId, { ...body, ...who }),
    done: () => 'Finishing the run with what it has.',
  }),
};

/**
 * Sends a decision in the session's name and answers with the run's own answer: 200 when it took it, 409 with the
 * run's reason when it refused (or has ended), 400 naming the field when the body is malformed.
 */
async function decide(res: ServerResponse, runId: string, d: Decision, raw: unknown, ctx: ApiContext): Promise<void> {
  const { send, done } = d.parse(raw);
  const by = ctx.session.name;
  let answer: Answer;
  try {
    answer = await send(ctx.backend, runId, { by, ...(ctx.session.groups ? { groups: ctx.session.groups } : {}) });
  } catch (err) {
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    if (err instanceof UserError) throw new HttpError(err.exitCode === EXIT.usage ? 409 : 503, message);
    throw new HttpError(502, `cannot send the ${d.what}: ${message}`);
  }
  if (answer.delivery === 'signalled') {
    ctx.log(`${by}: ${d.what} for run ${runId}: no worker answered; sent as signal ${answer.decisionId}`);
    const message =
      `No worker answered within ${Math.round(answer.waitedMs / 1000)} s, so the ${d.what} went as a signal ` +
      `(decision ${answer.decisionId}); the run applies it once a worker runs.`;
    return sendJson(res, 202, { queued: true, decisionId: answer.decisionId, message, by });
  }
  const outcome = answer.accepted ? 'accepted' : `refused (${answer.reason ?? 'no reason'})`;
  ctx.log(`${by}: ${d.what} for run ${runId}: ${outcome}`);
  if (!answer.accepted) {
    const reason = answer.reason ?? 'no reason given';
    return sendJson(res, 409, { error: `the run refused the ${d.what}: ${reason}`, reason });
  }
  sendJson(res, 200, { accepted: true, message: done, by });
}
