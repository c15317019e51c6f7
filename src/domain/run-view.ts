import { MAX_TASKS_IN_VIEW } from './limits';
import type { RunView, TaskStatus, TaskView } from './run';
import type { RunLedger } from './run-ledger';
import { runMetrics } from './run-metrics';

/** Above this many tasks, views leave out summaries so that query results stay well under payload limits. */
export const SUMMARY_VIEW_LIMIT = 200;

/**
 * A run as its `status` query and its result show it. Above MAX_TASKS_IN_VIEW tasks only those that started and did
 * not succeed are listed (succeeded and pending ones are counted: the `taskStates` query has every state), and above
 * SUMMARY_VIEW_LIMIT no summaries: a query result is one payload, and a 5,000-task plan's pending tasks alone were
 * most of a megabyte.
 */
export function runViewOf(ledger: RunLedger): RunView {
  const { tasks, options } = ledger;
  const withSummaries = tasks.size <= SUMMARY_VIEW_LIMIT;
  const full = tasks.size <= MAX_TASKS_IN_VIEW;
  const listed = [...tasks.values()].filter((t) => full || (t.status !== 'succeeded' && t.status !== 'pending'));
  const counts = ledger.counts();
  const omitted = (status: TaskStatus) => (full ? 0 : (counts[status] ?? 0));
  return {
    runId: options.runId,
    goal: options.goal,
    status: ledger.status,
    budgetMillicredits: options.budgetMillicredits,
    approvedExtraMillicredits: ledger.approvedExtraMillicredits,
    poolMillicredits: ledger.poolMillicredits,
    spentMillicredits: ledger.spentMillicredits(),
    counts,
    tasks: listed.map((t) => {
      const summary = ledger.summaries.get(t.id);
      return withSummaries && summary ? { ...t, summary } : t;
    }),
    ...(full ? {} : { omittedSucceededTasks: omitted('succeeded') }),
    ...(omitted('pending') > 0 ? { omittedPendingTasks: omitted('pending') } : {}),
    pendingApprovals: [...ledger.pending.values()],
    ...(ledger.toolCalls.size > 0 ? { pendingToolCalls: [...ledger.toolCalls.pending.values()] } : {}),
    decisions: ledger.decisions,
    ...(ledger.refused.count > 0 ? { refused: ledger.refused } : {}),
    metrics: runMetrics(tasks.values()),
    startedAt: options.startedAt,
    ...(ledger.finishedAt ? { finishedAt: ledger.finishedAt } : {}),
    ...(ledger.workspace
      ? {
          workspace: {
            remote: ledger.workspace.opened.remote,
            base: ledger.workspace.opened.base,
            ...(ledger.workspace.integration ? { integration: ledger.workspace.integration } : {}),
          },
        }
      : {}),
    ...(ledger.waitingFor ? { waitingFor: ledger.waitingFor } : {}),
    ...(ledger.hold ? { holding: ledger.hold } : {}),
    ...(ledger.holdDecisions.length > 0 ? { holdDecisions: ledger.holdDecisions } : {}),
  };
}

/**
 * Every task's state by id, for the `taskStates` query: compact (an id and a word per task), so that it stays one
 * small payload also in runs of 5,000 tasks, where the status view lists only the tasks that did not succeed.
 */
export function taskStatesOf(tasks: Iterable<TaskView>): Record<string, TaskStatus> {
  const states: Record<string, TaskStatus> = {};
  for (const t of tasks) states[t.id] = t.status;
  return states;
}
