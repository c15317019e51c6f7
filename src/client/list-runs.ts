import type { Client } from '@temporalio/client';
import { RunStatus } from '../domain/run';
import { PENDING_APPROVALS_ATTRIBUTE, RUN_STATUS_ATTRIBUTE } from '../domain/search-attributes';
import { UserError } from '../infra/errors';
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
}

export interface ListRunsOptions {
  /** Only runs in this status (one of LISTABLE_STATUSES). */
  status?: string;
  /** Most runs to return; default 20. */
  limit?: number;
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
  const engineStatus = ['planning', 'running', 'awaiting_approval'].includes(status ?? '') ? 'Running' : 'Completed';
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
  return rows;
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
