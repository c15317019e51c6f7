import type { Client, WorkflowHandle } from '@temporalio/client';
import { creditCurve, type SpendEvent } from '../domain/credit-curve';
import { criticalPath } from '../domain/critical-path';
import { Plan } from '../domain/plan';
import type { RunView, TaskStatus } from '../domain/run';
import type { CreditPoint, GraphNode, RunDetails } from '../domain/run-details';
import { describeResultChecks } from '../domain/run-workspace';
import { webUiLink } from '../domain/web-ui';
import type { goalWorkflow } from '../workflows';
import { planQuery, statusQuery, taskProgressQuery, taskStatesQuery } from '../workflows/messages';
import { withSuggestions } from './approvals';
import { viewFromHistory } from './closed-run';
import { asServerError } from './history-reader';
import { readExecution, readRunHistory, spendsOf, type ExecutionFacts } from './run-history';
import { closedRunReason, describeRun, queryWithTimeout } from './runs';

/** Where links to the Temporal Web UI point, and the namespace the client is in. */
export interface DetailsOptions {
  /** The Web UI's base URL without a trailing slash (see resolveWebUiUrl). */
  webUiUrl: string;
  namespace: string;
}

/** How long a query may wait for a worker before the read gives up on it. */
const QUERY_TIMEOUT_MS = 10_000;
/** Running tasks asked for their spend so far (taskProgress), at most: more and the curve's last point skips them. */
const MAX_IN_FLIGHT_QUERIES = 20;

/**
 * Everything a front end shows of run `runId` (see src/domain/run-details.ts). A live run is read by queries (a worker
 * must answer); a closed one from its result and histories, with no worker. An unknown run is a UserError, and so is a
 * server that cannot be reached (naming its address).
 */
export async function readRunDetails(client: Client, runId: string, options: DetailsOptions): Promise<RunDetails> {
  try {
    const description = await describeRun(client, runId);
    const handle = client.workflow.getHandle<typeof goalWorkflow>(runId);
    const latestRunId = description.runId;
    const link = webUiLink(options.webUiUrl, options.namespace, runId);
    if (description.status.name === 'RUNNING') {
      const [view, plan, states] = await Promise.all([
        queryWithTimeout(handle, statusQuery, QUERY_TIMEOUT_MS),
        livePlan(handle, `${runId}\u0000${description.raw.workflowExecutionInfo?.firstRunId ?? ''}`),
        // Workers that predate the taskStates query do not know it: the view says the same, less compactly.
        queryWithTimeout(handle, taskStatesQuery, QUERY_TIMEOUT_MS).catch(() => undefined),
      ]);
      const now = {
        at: new Date().toISOString(),
        spentMillicredits: view.spentMillicredits + (await inFlight(client, view)),
      };
      const credits = await creditsOf(client, runId, latestRunId, view, now);
      view.pendingApprovals = await withSuggestions(client, runId, view.pendingApprovals);
      return details({ view, live: true, plan, states, credits, link });
    }
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || undefined;
    if (description.status.name === 'COMPLETED') {
      const view: RunView = await handle.result();
      const chain = view.omittedSucceededTasks
        ? await readRunHistory(client, runId, latestRunId)
        : [await firstExecution(client, runId, latestRunId, firstRunId)];
      const credits = await creditsOf(client, runId, latestRunId, view, undefined, chain);
      return details({ view, live: false, plan: planOf(chain), credits, link });
    }
    const closedAs = await closedRunReason(handle, description.status.name);
    const chain = await readRunHistory(client, runId, latestRunId);
    const plan = planOf(chain);
    const view = await viewFromHistory({
      client,
      runId,
      chain,
      plan,
      cancelled: description.status.name === 'CANCELLED',
      finishedAt: description.closeTime?.toISOString(),
    });
    const credits = creditCurve({
      startedAt: view.startedAt,
      budgetMillicredits: view.budgetMillicredits,
      spends: spendsOf(chain),
      decisions: [],
    });
    return details({ view, live: false, closedAs, plan, credits, link });
  } catch (err) {
    throw asServerError(client, err);
  }
}

/** What the run's workspace result is, in the words the CLI uses: its branch and the checks it passed. */
function resultOf(view: RunView): Pick<RunDetails, 'result'> {
  const integration = view.workspace?.integration;
  if (!integration) return {};
  if (!integration.ok)
    return { result: `no result branch (${integration.reason}): ${integration.message.slice(0, 400)}` };
  return {
    result: `branch ${integration.branch} (${integration.commit.slice(0, 10)}), ${describeResultChecks(integration)}`,
  };
}

function details(args: {
  view: RunView;
  live: boolean;
  closedAs?: string;
  plan: Plan | null | undefined;
  states?: Record<string, TaskStatus>;
  credits: CreditPoint[];
  link: string;
}): RunDetails {
  const { view, plan } = args;
  const listed = new Map(view.tasks.map((t) => [t.id, t.status]));
  // A view above MAX_TASKS_IN_VIEW tasks lists only those that did not succeed: the others did.
  const unlisted: TaskStatus = view.omittedSucceededTasks ? 'succeeded' : 'pending';
  const graph: GraphNode[] = (plan?.tasks ?? []).map((t) => ({
    id: t.id,
    title: t.title,
    agentType: t.agentType,
    effort: t.effort,
    deps: t.deps,
    status: args.states?.[t.id] ?? listed.get(t.id) ?? unlisted,
  }));
  return {
    view,
    live: args.live,
    ...(args.closedAs ? { closedAs: args.closedAs } : {}),
    ...resultOf(view),
    graph,
    criticalPath: criticalPath(graph),
    credits: args.credits,
    webUiUrl: args.link,
  };
}

/**
 * Plans of live runs, by run id and first execution: a plan never changes once made, and a 5,000-task plan is a
 * large query result that a watched run would otherwise send every second.
 */
const livePlans = new Map<string, Plan>();
const MAX_LIVE_PLANS_CACHED = 50;

async function livePlan(handle: WorkflowHandle, key: string): Promise<Plan | null> {
  const known = livePlans.get(key);
  if (known) return known;
  const plan = await queryWithTimeout(handle, planQuery, QUERY_TIMEOUT_MS);
  if (plan) {
    livePlans.set(key, plan);
    if (livePlans.size > MAX_LIVE_PLANS_CACHED) livePlans.delete(livePlans.keys().next().value!);
  }
  return plan;
}

/**
 * The plan of run `runId`: by query while it runs (null while it plans), else from its first execution's history.
 * A UserError when there is no such run.
 */
export async function readRunPlan(client: Client, runId: string): Promise<Plan | null | undefined> {
  const description = await describeRun(client, runId);
  if (description.status.name === 'RUNNING') {
    return queryWithTimeout(client.workflow.getHandle(runId), planQuery, QUERY_TIMEOUT_MS);
  }
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || undefined;
  return planOf([await firstExecution(client, runId, description.runId, firstRunId)]);
}

/** The plan a closed run ran: the first execution's validated plan, else the one its caller gave. */
function planOf(chain: readonly ExecutionFacts[]): Plan | undefined {
  const first = chain[0];
  if (first?.plan) return first.plan;
  const given = Plan.safeParse(first?.input?.plan);
  return given.success ? given.data : undefined;
}

async function firstExecution(
  client: Client,
  runId: string,
  latestRunId: string,
  firstRunId: string | undefined,
): Promise<ExecutionFacts> {
  const first = firstRunId ? await readExecution(client, runId, firstRunId) : undefined;
  return first ?? (await readRunHistory(client, runId, latestRunId))[0]!;
}

/**
 * The spending curve: from the view when it lists every task (each carries its spend and end), else from the run's
 * histories (a run of more than MAX_TASKS_IN_VIEW tasks).
 */
async function creditsOf(
  client: Client,
  runId: string,
  latestRunId: string,
  view: RunView,
  now: { at: string; spentMillicredits: number } | undefined,
  chain?: readonly ExecutionFacts[],
): Promise<CreditPoint[]> {
  const spends = !view.omittedSucceededTasks
    ? spendsFromView(view)
    : chain
      ? spendsOf(chain)
      : now
        ? liveRunSpends(client, runId, latestRunId, view)
        : spendsOf(await readRunHistory(client, runId, latestRunId));
  return creditCurve({
    startedAt: view.startedAt,
    budgetMillicredits: view.budgetMillicredits,
    spends,
    decisions: view.decisions,
    ...(now ? { now } : {}),
  });
}

/**
 * Spends of live runs too big for their view (over MAX_TASKS_IN_VIEW tasks), read from their histories in the
 * background: reading the history of a run of 5,000 tasks takes seconds, and a page that watches asks every second.
 * The first look gets the curve the view allows (the succeeded tasks it leaves out count from the first start; the
 * total is exact) and later looks the full one, at most MAX_AGE old.
 */
const liveSpends = new Map<string, { spends: SpendEvent[]; readAt: number; reading?: Promise<void> }>();
const LIVE_SPENDS_MAX_AGE_MS = 10_000;
const MAX_LIVE_RUNS_CACHED = 50;

function liveRunSpends(client: Client, runId: string, latestRunId: string, view: RunView): SpendEvent[] {
  const key = `${runId}\u0000${latestRunId}`;
  const entry = liveSpends.get(key) ?? { spends: spendsFromView(view), readAt: 0 };
  if (!entry.reading && Date.now() - entry.readAt > LIVE_SPENDS_MAX_AGE_MS) {
    entry.reading = readRunHistory(client, runId, latestRunId)
      .then((chain) => {
        entry.spends = spendsOf(chain);
        entry.readAt = Date.now();
      })
      // A failed read keeps the curve it had; the next look tries again.
      .catch(() => undefined)
      .finally(() => delete entry.reading);
  }
  liveSpends.delete(key);
  liveSpends.set(key, entry);
  if (liveSpends.size > MAX_LIVE_RUNS_CACHED) liveSpends.delete(liveSpends.keys().next().value!);
  return entry.spends;
}

/** Planning's spend when the first task started (the plan came just before), then each ended task's at its end. */
export function spendsFromView(view: RunView): SpendEvent[] {
  let tasksSpent = 0;
  let firstStart: string | undefined;
  const spends: SpendEvent[] = [];
  for (const t of view.tasks) {
    tasksSpent += t.spentMillicredits;
    if (t.startedAt && (!firstStart || t.startedAt < firstStart)) firstStart = t.startedAt;
    if (t.finishedAt && t.status !== 'skipped') spends.push({ at: t.finishedAt, millicredits: t.spentMillicredits });
  }
  const planning = view.spentMillicredits - tasksSpent;
  return [{ at: firstStart ?? view.startedAt, millicredits: planning }, ...spends];
}

/** What the running tasks have spent so far, by their progress queries; 0 when there are too many to ask. */
async function inFlight(client: Client, view: RunView): Promise<number> {
  const running = view.tasks.filter((t) => t.status === 'running' || t.status === 'awaiting_approval');
  if (running.length > MAX_IN_FLIGHT_QUERIES) return 0;
  const spent = await Promise.all(
    running.map((t) =>
      queryWithTimeout(client.workflow.getHandle(t.workflowId), taskProgressQuery, 2_000).then(
        (p) => p.spentMillicredits,
        () => 0,
      ),
    ),
  );
  return spent.reduce((a, b) => a + b, 0);
}
