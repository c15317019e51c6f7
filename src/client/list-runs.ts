import type { Client } from '@temporalio/client';
import { RunStatus, type RunView } from '../domain/run';
import { PENDING_APPROVALS_ATTRIBUTE, RUN_STATUS_ATTRIBUTE } from '../domain/search-attributes';
import { UserError } from '../infra/errors';
import { statusQuery } from '../workflows/messages';
import type { RunMemo } from './runs';

/** Every status a run list can be filtered by: the run statuses, and the one the search attribute adds for waiting runs. */
export const LISTABLE_STATUSES = [...RunStatus.options, 'awaiting_approval'] as const;

/** One run as the server's visibility store knows it (no worker needed). */
export interface RunRow {
  runId: string;
  status: string;
  pendingApprovals: number;
  startedAt: string;
  closedAt?: string;
  /** From the run's memo (runs started by an older client have none). */
  goal?: string;
  budgetCredits?: number;
  repo?: string;
  /** Tasks and credits, when asked for (`progress`) and the run could tell: by query while it runs, else its result. */
  progress?: RunProgress;
}

/** How far a run got: its tasks by status and what it spent of its budget. */
export interface RunProgress {
  /** Tasks of the plan (0 while it plans). */
  tasks: number;
  /** Tasks that ended, whatever their status. */
  tasksEnded: number;
  /** Tasks per status. */
  counts: Record<string, number>;
  spentMillicredits: number;
  /** The budget plus credits approved beyond it. */
  budgetMillicredits: number;
}

export interface ListRunsOptions {
  /** Only runs in this status (one of LISTABLE_STATUSES). */
  status?: string;
  /** Most runs to return; default 20. */
  limit?: number;
  /** Also read each run's tasks and credits (a query per running run, a result read per closed one). */
  progress?: boolean;
}

/** Refuses a status no run can have, naming the ones it can. */
export function checkListableStatus(status: string): void {
  if (!(LISTABLE_STATUSES as readonly string[]).includes(status)) {
    throw new UserError(`unknown --status "${status}"; use one of ${LISTABLE_STATUSES.join(', ')}`);
  }
}

/** The runs on the namespace, newest first, from search attributes alone. */
export async function listRuns(client: Client, options: ListRunsOptions = {}): Promise<RunRow[]> {
  const { status } = options;
  if (status) checkListableStatus(status);
  const limit = Math.floor(options.limit ?? 20);
  // A terminated run keeps the last status it wrote ("running"), so the engine's status filters too.
  const engineStatus = ['planning', 'running', 'holding', 'awaiting_approval'].includes(status ?? '')
    ? 'Running'
    : 'Completed';
  const query =
    `WorkflowType = "goalWorkflow"` +
    (status ? ` AND ${RUN_STATUS_ATTRIBUTE.name} = "${status}" AND ExecutionStatus = "${engineStatus}"` : '');
  const rows: RunRow[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    // A run that was terminated or timed out never wrote its last status: the engine's word wins then.
    const engine = wf.status.name;
    const own = wf.typedSearchAttributes.get(RUN_STATUS_ATTRIBUTE);
    rows.push({
      runId: wf.workflowId,
      status: engine === 'RUNNING' || engine === 'COMPLETED' ? (own ?? engine.toLowerCase()) : engine.toLowerCase(),
      pendingApprovals: wf.typedSearchAttributes.get(PENDING_APPROVALS_ATTRIBUTE) ?? 0,
      startedAt: wf.startTime.toISOString(),
      ...(wf.closeTime ? { closedAt: wf.closeTime.toISOString() } : {}),
      ...memoFields(wf.memo),
    });
    if (rows.length >= limit) break;
  }
  return options.progress ? withProgress(client, rows) : rows;
}

/** A run's progress from its status view. */
function progressOf(view: RunView): RunProgress {
  const counts = view.counts;
  const tasks = Object.values(counts).reduce((a, b) => a + b, 0);
  const open = (counts.pending ?? 0) + (counts.running ?? 0) + (counts.awaiting_approval ?? 0);
  return {
    tasks,
    tasksEnded: tasks - open,
    counts,
    spentMillicredits: view.spentMillicredits,
    budgetMillicredits: view.budgetMillicredits + view.approvedExtraMillicredits,
  };
}

/** Results of completed runs never change: read once per process (bounded). */
const closedProgress = new Map<string, RunProgress>();
const MAX_CLOSED_PROGRESS = 1_000;
/** How long a running run's status query may take before its row goes without progress. */
const PROGRESS_QUERY_TIMEOUT_MS = 2_000;

/** Each row with its progress where the run tells it; a run that cannot (no worker, failed) goes without. */
async function withProgress(client: Client, rows: RunRow[]): Promise<RunRow[]> {
  return Promise.all(
    rows.map(async (row) => {
      const handle = client.workflow.getHandle(row.runId);
      let progress = closedProgress.get(row.runId);
      if (!progress && !row.closedAt) {
        // A deadline, not a race: a run no worker answers for leaves no query behind once the list is made.
        const deadline = Date.now() + PROGRESS_QUERY_TIMEOUT_MS;
        const view = await client.withDeadline(deadline, () => handle.query(statusQuery)).catch(() => undefined);
        if (view) progress = progressOf(view);
      } else if (!progress) {
        const view = (await handle.result().catch(() => undefined)) as RunView | undefined;
        if (view?.counts) {
          progress = progressOf(view);
          closedProgress.set(row.runId, progress);
          if (closedProgress.size > MAX_CLOSED_PROGRESS) closedProgress.delete(closedProgress.keys().next().value!);
        }
      }
      return progress ? { ...row, progress } : row;
    }),
  );
}

/** The goal, budget and repository a run's memo carries, each only when it has the right type. */
function memoFields(memo: Record<string, unknown> | undefined): Pick<RunRow, 'goal' | 'budgetCredits' | 'repo'> {
  const m = (memo ?? {}) as Partial<Record<keyof RunMemo, unknown>>;
  return {
    ...(typeof m.goal === 'string' ? { goal: m.goal } : {}),
    ...(typeof m.budgetCredits === 'number' ? { budgetCredits: m.budgetCredits } : {}),
    ...(typeof m.repo === 'string' ? { repo: m.repo } : {}),
  };
}
