import type { RefusedMessages } from './approvals';
import type { Plan } from './plan';
import type { ApprovalDecision, PendingApproval, TaskStatus, Verdict } from './run';

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
}
