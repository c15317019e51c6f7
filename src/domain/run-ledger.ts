import type { ApproveBudget, DenyBudget, RefusedMessages } from './approvals';
import { approverProblem, type ApproverRuleInput } from './approvers';
import { allocateBudget, formatCredits, toMillicredits } from './credits';
import { decisionIdOf } from './decision-ids';
import { TASK_APPROVAL_TIMEOUT } from './errors';
import { MAX_REJECTED_DECISIONS, MAX_SUMMARY_CHARS } from './limits';
import type { Plan, TaskSpec } from './plan';
import type { DependencyContext } from './prompts';
import { noRefusals, recordRefusal } from './refusals';
import type { ApprovalDecision, PendingApproval, RunStatus, RunView, TaskOutcome, TaskStatus, TaskView } from './run';
import { restoreInto, snapshotOf } from './run-ledger-snapshot';
import { expandTask, type CompactTask, type RunSnapshot } from './run-snapshot';
import { runViewOf } from './run-view';
import type { RunWait } from './run-wait';
import type { IntegrationResult, OpenedWorkspace } from './run-workspace';
import { DagScheduler, type SchedulerState } from './scheduler';
import type { HoldDecision, OnTaskFailure, RunHold } from './task-failures';
import { ToolCallLedger } from './tool-call-ledger';

/** Smallest allocation a task gets, whatever its effort: enough for a few small calls. */
export const TASK_FLOOR_MILLICREDITS = 1000;

export interface RunLedgerOptions {
  runId: string;
  goal: string;
  budgetMillicredits: number;
  maxConcurrency: number;
  reservePercent: number;
  autoApproveMillicredits: number;
  startedAt: string;
  /** Who may decide on credits; unset or empty: anyone who may signal the namespace. */
  approvers?: readonly ApproverRuleInput[];
  /** What the run does when a task fails for good (./task-failures.ts); absent: finish. */
  onTaskFailure?: OnTaskFailure;
  /** How long the run holds for a person before finishing with what it has; absent: 7 days. */
  holdTimeoutSeconds?: number;
}

export type CreditAnswer = { kind: 'granted'; millicredits: number } | { kind: 'pending' } | { kind: 'ignored' };
export type SignalCheck = { ok: true } | { ok: false; error: string };

/** A person's approval or denial the run refused, as far as the audit trail records it. */
type RejectedMessage = { taskId: string; by?: string | undefined; decisionId?: string | undefined };

/**
 * State of one run and the rules of its money. Invariants:
 * - allocations + pool + planning spend = budget, and every grant comes out of the pool or out of credits a person
 *   approved, so run spend never exceeds budget + approved extras when each task keeps to its own credits;
 * - a task's unused credits (its lease included) return to the pool when it ends;
 * - a lease is lent out of the pool when a task starts: the run stays the pool's only writer, and the part a task used
 *   is booked as granted (an "auto-approved" decision) when it ends, so spent <= allocated + granted per task;
 * - every budget decision is appended to `decisions` and never rewritten; refused approvals too, up to
 *   MAX_REJECTED_DECISIONS, after which they are only counted: anyone may send signals, and state must stay bounded;
 * - every refused message (forged, out of protocol, malformed) is counted in `refused`, with the last few kept.
 */
export class RunLedger {
  readonly tasks = new Map<string, TaskView>();
  readonly decisions: ApprovalDecision[] = [];
  readonly pending = new Map<string, PendingApproval>();
  plan: Plan | undefined;
  scheduler: DagScheduler | undefined;
  status: RunStatus = 'planning';
  poolMillicredits = 0;
  approvedExtraMillicredits = 0;
  planningMillicredits = 0;
  finishedAt: string | undefined;
  refused: RefusedMessages = noRefusals();
  /** Output summaries of succeeded tasks, handed to their dependents. */
  readonly summaries = new Map<string, string>();
  /** Tool calls waiting for a person (MCP tools marked requiresApproval). */
  readonly toolCalls: ToolCallLedger;
  /** The run's git workspace, once opened (runs with a workspace), and how its integration ended. */
  workspace: { opened: OpenedWorkspace; integration?: IntegrationResult } | undefined;
  /** What the run waits for that only an operator can give (a worker for its workspace), while it waits. */
  waitingFor: RunWait | undefined;
  /** Decisions about failed tasks: retries, finishes, refusals (./task-retry.ts). */
  readonly holdDecisions: HoldDecision[] = [];
  /** A person or the hold's timer ended the hold: the run concludes once nothing runs. */
  finishRequested = false;
  /** While the run holds for a person: since when, until when, what failed. */
  hold: RunHold | undefined;

  constructor(readonly options: RunLedgerOptions) {
    this.toolCalls = new ToolCallLedger(options.approvers, this.decisions);
  }

  /** Takes the validated plan, charges planning, allocates credits. Throws BudgetTooSmallError before any change. */
  setPlan(plan: Plan, planningMillicredits: number, childIdOf: (taskId: string) => string): void {
    const remaining = this.options.budgetMillicredits - planningMillicredits;
    const allocation = allocateBudget(plan.tasks, remaining, {
      reservePercent: this.options.reservePercent,
      floorMillicredits: TASK_FLOOR_MILLICREDITS,
    });
    this.plan = plan;
    this.planningMillicredits = planningMillicredits;
    this.poolMillicredits = allocation.poolMillicredits;
    this.scheduler = new DagScheduler(plan.tasks, this.options.maxConcurrency);
    this.createViews(plan, childIdOf, (t) => ({ s: 'pending', a: allocation.perTask[t.id] ?? 0 }));
    this.status = 'running';
  }

  /** The state to carry across continue-as-new (./run-ledger-snapshot.ts). */
  snapshot(continuedRuns: number): RunSnapshot {
    return snapshotOf(this, continuedRuns);
  }

  /** Rebuilds a run from a snapshot taken before continue-as-new. */
  static restore(options: RunLedgerOptions, snapshot: RunSnapshot, childIdOf: (taskId: string) => string): RunLedger {
    const ledger = new RunLedger({ ...options, startedAt: snapshot.startedAt });
    const compact = restoreInto(ledger, snapshot);
    ledger.createViews(snapshot.plan, childIdOf, (t) => compact.get(t.id)!);
    const states: Record<string, SchedulerState> = {};
    for (const [id, c] of compact) states[id] = c.s === 'awaiting_approval' ? 'running' : c.s;
    ledger.scheduler = DagScheduler.restore(snapshot.plan.tasks, options.maxConcurrency, states);
    ledger.status = snapshot.hold ? 'holding' : 'running';
    return ledger;
  }

  private createViews(plan: Plan, childIdOf: (taskId: string) => string, state: (task: TaskSpec) => CompactTask): void {
    for (const task of plan.tasks) this.tasks.set(task.id, expandTask(task, state(task), childIdOf(task.id)));
  }

  /** Ids of tasks running now (waiting for approval included): after continue-as-new, their workflows still run. */
  runningTaskIds(): string[] {
    return [...this.tasks.values()]
      .filter((t) => t.status === 'running' || t.status === 'awaiting_approval')
      .map((t) => t.id);
  }

  spec(taskId: string): TaskSpec {
    const spec = this.plan?.tasks.find((t) => t.id === taskId);
    if (!spec) throw new Error(`unknown task "${taskId}"`);
    return spec;
  }

  /** Summaries of a task's dependencies, for its implementer's context. */
  dependencyContext(task: TaskSpec): DependencyContext[] {
    return task.deps.map((d) => {
      const work = this.view(d).work;
      return {
        taskId: d,
        title: this.view(d).title,
        summary: (this.summaries.get(d) ?? '').slice(0, MAX_SUMMARY_CHARS),
        ...(work ? { changedFiles: work.changedFiles } : {}),
      };
    });
  }

  /** Hands out the tasks to start now, marking them running. */
  takeStartable(at: string): string[] {
    const ids = this.scheduler?.takeStartable() ?? [];
    for (const id of ids) this.setStatus(id, 'running', { startedAt: at });
    return ids;
  }

  /**
   * Lends a starting task credits from the pool that it may spend without asking: what auto-approval would grant it,
   * without a signal round trip per shortfall. At most the auto-approval limit, and at most an equal share of the pool
   * per task slot, so that running tasks cannot drain it for the ones that follow. Returns the lease.
   */
  lendTo(taskId: string): number {
    const view = this.view(taskId);
    const lease = this.leaseSize();
    if (lease === 0) return 0;
    this.poolMillicredits -= lease;
    view.leasedMillicredits = lease;
    return lease;
  }

  /** What a task may hold from the pool without asking: the auto-approval limit, at most the pool's share per slot. */
  private leaseSize(): number {
    const share = Math.floor(this.poolMillicredits / Math.max(1, this.options.maxConcurrency));
    return Math.max(0, Math.min(this.options.autoApproveMillicredits, share));
  }

  /** Whether the task is running (or waiting for approval): an end reported for it now is its first. */
  isOpen(taskId: string): boolean {
    const status = this.tasks.get(taskId)?.status;
    return status === 'running' || status === 'awaiting_approval';
  }

  /** Records a finished task (a repeated report changes nothing); returns the ids of dependents now skipped. */
  finishTask(outcome: TaskOutcome, at: string): string[] {
    if (!this.scheduler || !this.isOpen(outcome.taskId)) return [];
    const view = this.view(outcome.taskId);
    this.toolCalls.forgetTask(outcome.taskId);
    this.toolCalls.quota.settle(outcome.taskId, outcome.toolCalls);
    const waited = this.pending.get(outcome.taskId);
    this.pending.delete(outcome.taskId);
    if (waited && outcome.failureType === TASK_APPROVAL_TIMEOUT) {
      this.decisions.push({ taskId: outcome.taskId, decision: 'timed-out', millicredits: 0, by: 'timer', at });
    }
    view.spentMillicredits = outcome.spentMillicredits;
    view.reviewRounds = outcome.reviewRounds;
    view.modelCalls = outcome.modelCalls;
    view.finishedAt = at;
    if (outcome.lastVerdict) view.lastVerdict = outcome.lastVerdict;
    // The part of its lease a task spent becomes a grant, decided when it was lent; the rest goes back with the unused.
    const lease = view.leasedMillicredits ?? 0;
    const drawn = Math.min(
      lease,
      Math.max(0, outcome.spentMillicredits - view.allocatedMillicredits - view.grantedMillicredits),
    );
    if (drawn > 0) {
      view.grantedMillicredits += drawn;
      this.decisions.push({
        taskId: outcome.taskId,
        decision: 'auto-approved',
        millicredits: drawn,
        by: 'auto',
        note: 'drawn from the credits lent to the task from the pool when it started',
        at,
      });
    }
    // Credits the task did not use go back to the pool for others' shortfalls.
    const unused = view.allocatedMillicredits + view.grantedMillicredits + (lease - drawn) - outcome.spentMillicredits;
    this.poolMillicredits += Math.max(0, unused);
    if (outcome.status === 'succeeded') {
      view.status = 'succeeded';
      if (outcome.work) view.work = outcome.work;
      this.summaries.set(outcome.taskId, outcome.summary);
      this.scheduler.succeed(outcome.taskId);
      return [];
    }
    view.status = outcome.status;
    view.error = outcome.error ?? outcome.status;
    const skipped = this.scheduler.fail(outcome.taskId, outcome.status);
    for (const id of skipped)
      this.setStatus(id, 'skipped', { error: `dependency "${outcome.taskId}" did not succeed`, finishedAt: at });
    return skipped;
  }

  /** Fail-fast or cancellation: nothing new starts; returns the tasks skipped. */
  skipAllPending(reason: string, at: string): string[] {
    const skipped = this.scheduler?.skipAllPending() ?? [];
    for (const id of skipped) this.setStatus(id, 'skipped', { error: reason, finishedAt: at });
    return skipped;
  }

  /** A task cannot afford its next call: grant from the pool when allowed, else wait for a person. */
  requestCredits(
    taskId: string,
    shortfallMillicredits: number,
    at: string,
    options: { requestId?: string; refill?: boolean } = {},
  ): CreditAnswer {
    const { requestId } = options;
    const view = this.tasks.get(taskId);
    // Only a running task that is not already waiting can ask: anything else is not a request its task made now.
    if (!view || view.status !== 'running') return { kind: 'ignored' };
    if (
      shortfallMillicredits <= this.options.autoApproveMillicredits &&
      shortfallMillicredits <= this.poolMillicredits
    ) {
      // With `refill`, the grant tops the task up to a fresh lease, not just the shortfall: a task of many model turns
      // then asks once per lease rather than once per call. Unused credits return to the pool when it ends.
      const millicredits = options.refill
        ? Math.min(this.poolMillicredits, Math.max(shortfallMillicredits, this.leaseSize()))
        : shortfallMillicredits;
      this.poolMillicredits -= millicredits;
      view.grantedMillicredits += millicredits;
      this.decisions.push({
        taskId,
        decision: 'auto-approved',
        millicredits,
        by: 'auto',
        note: `shortfall of ${formatCredits(shortfallMillicredits)} within the auto-approval limit of ${formatCredits(this.options.autoApproveMillicredits)} credits; taken from the pool`,
        at,
      });
      return { kind: 'granted', millicredits };
    }
    view.status = 'awaiting_approval';
    this.pending.set(taskId, { taskId, shortfallMillicredits, since: at, ...(requestId ? { requestId } : {}) });
    return { kind: 'pending' };
  }

  /** Checks an approval or denial without changing anything; the error says what is wrong. */
  checkDecision(taskId: string): SignalCheck {
    if (!this.tasks.has(taskId)) {
      return {
        ok: false,
        error: `unknown task "${taskId}"; tasks of this run: ${[...this.tasks.keys()].slice(0, 20).join(', ')}`,
      };
    }
    if (!this.pending.has(taskId)) {
      return { ok: false, error: `task "${taskId}" is not waiting for approval (it is ${this.view(taskId).status})` };
    }
    return { ok: true };
  }

  approve(signal: ApproveBudget, at: string): { ok: true; millicredits: number } | { ok: false; error: string } {
    const check = this.checkDecision(signal.taskId);
    const millicredits = toMillicredits(signal.credits);
    const notAllowed = approverProblem(this.options.approvers, signal, signal.credits);
    if (!check.ok || millicredits <= 0 || notAllowed) {
      const error = !check.ok ? check.error : (notAllowed ?? `credits must be positive, got ${signal.credits}`);
      this.reject(signal, error, at);
      return { ok: false, error };
    }
    const view = this.view(signal.taskId);
    this.pending.delete(signal.taskId);
    view.status = 'running';
    view.grantedMillicredits += millicredits;
    this.approvedExtraMillicredits += millicredits;
    this.decisions.push({
      taskId: signal.taskId,
      decision: 'approved',
      millicredits,
      by: signal.by ?? 'unknown',
      ...(signal.note ? { note: signal.note } : {}),
      at,
      ...decisionIdOf(signal),
    });
    return { ok: true, millicredits };
  }

  deny(signal: DenyBudget, at: string): SignalCheck {
    const notAllowed = approverProblem(this.options.approvers, signal);
    const check: SignalCheck = notAllowed ? { ok: false, error: notAllowed } : this.checkDecision(signal.taskId);
    if (!check.ok) {
      this.reject(signal, check.error, at, 'denyBudget');
      return check;
    }
    this.pending.delete(signal.taskId);
    this.view(signal.taskId).status = 'running';
    this.decisions.push({
      taskId: signal.taskId,
      decision: 'denied',
      millicredits: 0,
      by: signal.by ?? 'unknown',
      note: signal.reason,
      at,
      ...decisionIdOf(signal),
    });
    return { ok: true };
  }

  /**
   * Records an approval or denial that was refused: a "rejected" budget decision for the audit trail (up to
   * MAX_REJECTED_DECISIONS), and a refused message. Nothing else changes.
   */
  reject(message: RejectedMessage, error: string, at: string, name = 'approveBudget'): void {
    const { taskId, by } = message;
    if (this.decisions.filter((d) => d.decision === 'rejected').length < MAX_REJECTED_DECISIONS) {
      const rejection = { taskId, millicredits: 0, by: by ?? 'unknown', note: error, at, ...decisionIdOf(message) };
      this.decisions.push({ ...rejection, decision: 'rejected' });
    }
    this.refuse(name, taskId, error, at);
  }

  /** Counts a refused message and keeps it among the last few; nothing else changes. */
  refuse(name: string, taskId: string | undefined, reason: string, at: string): void {
    recordRefusal(this.refused, { name, ...(taskId !== undefined ? { taskId } : {}), reason, at });
  }

  isFinished(): boolean {
    return this.scheduler?.isFinished() ?? false;
  }

  canStartMore(): boolean {
    const s = this.scheduler;
    return !!s && s.running < s.maxConcurrency && s.readyCount > 0;
  }

  spentMillicredits(): number {
    let spent = this.planningMillicredits;
    for (const t of this.tasks.values()) {
      spent += t.spentMillicredits;
      for (const earlier of t.attempts ?? []) spent += earlier.spentMillicredits;
    }
    return spent;
  }

  /**
   * Final status from the task states. A run with a workspace succeeds only when its integration produced a verified
   * result branch: tasks that pass alone but conflict or fail together leave it partial.
   */
  conclude(at: string, cancelled: boolean): RunStatus {
    const counts = this.counts();
    const integrated = this.workspace?.integration?.ok ?? true;
    if (cancelled) this.status = 'cancelled';
    else if ((counts.succeeded ?? 0) === this.tasks.size && integrated) this.status = 'succeeded';
    else if ((counts.succeeded ?? 0) === 0) this.status = 'failed';
    else this.status = 'partial';
    this.finishedAt = at;
    return this.status;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of this.tasks.values()) counts[t.status] = (counts[t.status] ?? 0) + 1;
    return counts;
  }

  /** The run as `status` shows it (see ./run-view.ts). */
  toView(): RunView {
    return runViewOf(this);
  }

  private view(taskId: string): TaskView {
    const view = this.tasks.get(taskId);
    if (!view) throw new Error(`unknown task "${taskId}"`);
    return view;
  }

  private setStatus(taskId: string, status: TaskStatus, extra: Partial<TaskView> = {}): void {
    Object.assign(this.view(taskId), { status, ...extra });
  }
}
