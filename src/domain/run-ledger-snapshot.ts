import type { RunLedger } from './run-ledger';
import { compactTask, type CompactTask, type RunSnapshot } from './run-snapshot';
import { SUMMARY_VIEW_LIMIT } from './run-view';
import { ToolCallQuota } from './tool-call-quota';

/**
 * The two halves of a run's continue-as-new: what the ledger carries (compact: one payload, 2 MiB at most) and how
 * a new ledger takes it back. Kept beside RunLedger so the money rules stay in one file and the wire shape in another;
 * whatever snapshotOf writes, restoreInto must read.
 */

/** The state a run carries across continue-as-new. */
export function snapshotOf(ledger: RunLedger, continuedRuns: number): RunSnapshot {
  const { plan } = ledger;
  if (!plan) throw new Error('cannot snapshot a run before it has a plan');
  const viewOf = (taskId: string) => ledger.tasks.get(taskId)!;
  const tasks = plan.tasks.map((spec) => compactTask(viewOf(spec.id)));
  // Large runs keep only summaries a task not yet started will need; small runs keep all for the report.
  const keepAll = ledger.tasks.size <= SUMMARY_VIEW_LIMIT;
  const needed = new Set(
    keepAll
      ? ledger.summaries.keys()
      : plan.tasks.filter((t) => viewOf(t.id).status === 'pending').flatMap((t) => t.deps),
  );
  const quota = ledger.toolCalls.quota.state();
  return {
    plan,
    startedAt: ledger.options.startedAt,
    planningMillicredits: ledger.planningMillicredits,
    poolMillicredits: ledger.poolMillicredits,
    approvedExtraMillicredits: ledger.approvedExtraMillicredits,
    tasks,
    summaries: Object.fromEntries([...ledger.summaries].filter(([id]) => needed.has(id))),
    decisions: ledger.decisions,
    pending: [...ledger.pending.values()],
    ...(ledger.refused.count > 0 ? { refused: ledger.refused } : {}),
    ...(ledger.workspace ? { workspace: ledger.workspace.opened } : {}),
    ...(ledger.toolCalls.size > 0 ? { pendingToolCalls: [...ledger.toolCalls.pending.values()] } : {}),
    ...(quota ? { toolCallQuota: quota } : {}),
    ...(ledger.holdDecisions.length > 0 ? { holdDecisions: ledger.holdDecisions } : {}),
    ...(ledger.finishRequested ? { finishRequested: true } : {}),
    ...(ledger.hold ? { hold: ledger.hold } : {}),
    continuedRuns,
  };
}

/**
 * Puts a snapshot's money, decisions, waiting requests and summaries into a fresh ledger; returns each task's compact
 * state by id, from which the ledger rebuilds its views and scheduler.
 */
export function restoreInto(ledger: RunLedger, snapshot: RunSnapshot): Map<string, CompactTask> {
  ledger.plan = snapshot.plan;
  ledger.planningMillicredits = snapshot.planningMillicredits;
  ledger.poolMillicredits = snapshot.poolMillicredits;
  ledger.approvedExtraMillicredits = snapshot.approvedExtraMillicredits;
  ledger.decisions.push(...snapshot.decisions);
  for (const p of snapshot.pending) ledger.pending.set(p.taskId, p);
  if (snapshot.refused) ledger.refused = snapshot.refused;
  if (snapshot.workspace) ledger.workspace = { opened: snapshot.workspace };
  for (const call of snapshot.pendingToolCalls ?? []) ledger.toolCalls.pending.set(call.requestId, call);
  if (snapshot.toolCallQuota) ledger.toolCalls.quota = new ToolCallQuota(snapshot.toolCallQuota);
  for (const [id, summary] of Object.entries(snapshot.summaries)) ledger.summaries.set(id, summary);
  ledger.holdDecisions.push(...(snapshot.holdDecisions ?? []));
  ledger.finishRequested = snapshot.finishRequested ?? false;
  ledger.hold = snapshot.hold;
  return new Map(snapshot.plan.tasks.map((t, i) => [t.id, snapshot.tasks[i]!]));
}
