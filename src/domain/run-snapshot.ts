import type { RefusedMessages } from './approvals';
import type { Plan, TaskSpec } from './plan';
import type { ApprovalDecision, PendingApproval, TaskStatus, TaskView, Verdict } from './run';
import type { OpenedWorkspace, TaskWork } from './run-workspace';
import type { HoldDecision, RetryDirective, RunHold, TaskAttempt } from './task-failures';
import type { PendingToolCall } from './tool-approvals';
import type { ToolCallQuotaState } from './tool-call-quota';

/**
 * The state a run carries across continue-as-new, kept compact because it travels as one payload (2 MiB limit):
 * per task only what changes, with empty fields left out; what the plan already says is not repeated.
 */
export interface RunSnapshot {
  plan: Plan;
  startedAt: string;
  planningMillicredits: number;
  poolMillicredits: number;
  approvedExtraMillicredits: number;
  /** One entry per task, in plan order. */
  tasks: CompactTask[];
  /** Output summaries still needed: by dependents not yet started (or all, for small runs). */
  summaries: Record<string, string>;
  decisions: ApprovalDecision[];
  pending: PendingApproval[];
  /** Refused messages so far (absent in snapshots taken before they were counted). */
  refused?: RefusedMessages;
  /** How many times the run has continued as new so far. */
  continuedRuns: number;
  /** The run's workspace as opened at its start (runs with a workspace). */
  workspace?: OpenedWorkspace;
  /** Tool calls waiting for a person. */
  pendingToolCalls?: PendingToolCall[];
  /** The run-wide tool-call count (runs with maxToolCallsPerRun that granted calls). */
  toolCallQuota?: ToolCallQuotaState;
  /** Decisions about failed tasks (runs that held or were retried). */
  holdDecisions?: HoldDecision[];
  /** A person or the hold's timer ended the hold. */
  finishRequested?: boolean;
  /** The hold in force, if the run holds. */
  hold?: RunHold;
}

export interface CompactTask {
  /** status */
  s: TaskStatus;
  /** allocated millicredits */
  a: number;
  /** granted millicredits */
  g?: number;
  /** leased millicredits (lent from the pool at start) */
  l?: number;
  /** spent millicredits */
  sp?: number;
  /** review rounds */
  r?: number;
  /** model calls */
  c?: number;
  /** last verdict */
  v?: Verdict;
  /** started at */
  t0?: string;
  /** finished at */
  t1?: string;
  /** error or skip reason */
  e?: string;
  /** what the task left in the run's repository */
  w?: TaskWork;
  /** attempt number (retried tasks) */
  n?: number;
  /** earlier attempts (retried tasks) */
  at?: TaskAttempt[];
  /** what the retry gave the current attempt */
  rd?: RetryDirective;
  /** the first run id of a retried attempt's execution */
  x?: string;
}

/** A task's view as a snapshot carries it: only what changes, empty fields left out. */
export function compactTask(t: TaskView): CompactTask {
  const c: CompactTask = { s: t.status, a: t.allocatedMillicredits };
  if (t.grantedMillicredits) c.g = t.grantedMillicredits;
  if (t.leasedMillicredits) c.l = t.leasedMillicredits;
  if (t.spentMillicredits) c.sp = t.spentMillicredits;
  if (t.reviewRounds) c.r = t.reviewRounds;
  if (t.modelCalls) c.c = t.modelCalls;
  if (t.lastVerdict) c.v = t.lastVerdict;
  if (t.startedAt) c.t0 = t.startedAt;
  if (t.finishedAt) c.t1 = t.finishedAt;
  if (t.error) c.e = t.error;
  if (t.work) c.w = t.work;
  if (t.attempt) c.n = t.attempt;
  if (t.attempts) c.at = t.attempts;
  if (t.retry) c.rd = t.retry;
  if (t.executionRunId) c.x = t.executionRunId;
  return c;
}

/** A task's view from its plan entry and its compact state. */
export function expandTask(task: TaskSpec, c: CompactTask, workflowId: string): TaskView {
  return {
    id: task.id,
    title: task.title,
    agentType: task.agentType,
    status: c.s,
    deps: task.deps,
    allocatedMillicredits: c.a,
    grantedMillicredits: c.g ?? 0,
    ...(c.l ? { leasedMillicredits: c.l } : {}),
    spentMillicredits: c.sp ?? 0,
    reviewRounds: c.r ?? 0,
    modelCalls: c.c ?? 0,
    workflowId,
    ...(c.v ? { lastVerdict: c.v } : {}),
    ...(c.t0 ? { startedAt: c.t0 } : {}),
    ...(c.t1 ? { finishedAt: c.t1 } : {}),
    ...(c.e ? { error: c.e } : {}),
    ...(c.w ? { work: c.w } : {}),
    ...(c.n ? { attempt: c.n } : {}),
    ...(c.at ? { attempts: c.at } : {}),
    ...(c.rd ? { retry: c.rd } : {}),
    ...(c.x ? { executionRunId: c.x } : {}),
  };
}
