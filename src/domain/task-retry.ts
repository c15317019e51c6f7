import { approverProblem, type ApproverRuleInput } from './approvers';
import { toMillicredits } from './credits';
import { decisionIdOf } from './decision-ids';
import { MAX_REJECTED_DECISIONS } from './limits';
import type { ApprovalDecision, RunStatus, TaskView } from './run';
import type { DagScheduler } from './scheduler';
import {
  DEFAULT_HOLD_TIMEOUT_SECONDS,
  retryScope,
  type FinishRun,
  type HoldAnswer,
  type HoldDecision,
  type OnTaskFailure,
  type RetryTasks,
  type RunHold,
  type TaskAttempt,
} from './task-failures';

/**
 * A person's decisions about a run's failed tasks, applied to the run's state: a retry resets tasks to pending (their
 * earlier attempts kept, with what they spent), a finish ends a holding run with what it has. Every decision,
 * refusals included, is appended to `holdDecisions`; the run (src/workflows/run/hold-handlers.ts) sends the messages
 * here and wakes its scheduling loop.
 */

/** The parts of a run's state (RunLedger) that retries and finishes read and change. */
export interface HoldableRun {
  status: RunStatus;
  readonly tasks: Map<string, TaskView>;
  readonly scheduler: DagScheduler | undefined;
  poolMillicredits: number;
  approvedExtraMillicredits: number;
  readonly decisions: ApprovalDecision[];
  readonly holdDecisions: HoldDecision[];
  /** A person (or the hold's timer) ended the hold: the run concludes once nothing runs. */
  finishRequested: boolean;
  hold: RunHold | undefined;
  readonly options: {
    approvers?: readonly ApproverRuleInput[] | undefined;
    onTaskFailure?: OnTaskFailure | undefined;
    holdTimeoutSeconds?: number | undefined;
  };
  refuse(name: string, taskId: string | undefined, reason: string, at: string): void;
}

/** How long the run holds for a person before finishing with what it has. */
export const holdTimeoutSeconds = (run: HoldableRun): number =>
  run.options.holdTimeoutSeconds ?? DEFAULT_HOLD_TIMEOUT_SECONDS;

/** The run's tasks that failed for good, in plan order. */
const failedTasks = (run: HoldableRun): TaskView[] => [...run.tasks.values()].filter((t) => t.status === 'failed');

/** Whether the run, with nothing left to run, holds for a person rather than concluding. */
export function shouldHold(run: HoldableRun): boolean {
  if (run.options.onTaskFailure !== 'hold' || run.finishRequested) return false;
  return failedTasks(run).length > 0;
}

/** Starts holding: the status, and the failed tasks with why, as `status` shows them. */
export function startHolding(run: HoldableRun, at: string): RunHold {
  const failed = failedTasks(run).map((t) => ({ taskId: t.id, error: t.error ?? 'failed', attempt: t.attempt ?? 1 }));
  const until = new Date(Date.parse(at) + holdTimeoutSeconds(run) * 1000).toISOString();
  run.hold = { since: at, until, failed };
  run.status = 'holding';
  return run.hold;
}

/** The answer a repeated decision id gets again, after recording the repeat; undefined for a new id. */
export function repeatedHoldDecision(
  run: HoldableRun,
  message: { decisionId?: string | undefined; by?: string | undefined },
  at: string,
): HoldAnswer | undefined {
  if (!message.decisionId) return undefined;
  const first = run.holdDecisions.find((d) => d.decisionId === message.decisionId && d.decision !== 'duplicate');
  if (!first) return undefined;
  if (run.holdDecisions.filter((d) => d.decision === 'duplicate').length < MAX_REJECTED_DECISIONS) {
    run.holdDecisions.push({
      decision: 'duplicate',
      taskIds: first.taskIds,
      by: message.by ?? 'unknown',
      note: `repeats decision ${first.decisionId} (${first.decision} at ${first.at}); nothing changed`,
      at,
      ...decisionIdOf(first),
    });
  }
  const accepted = first.decision !== 'refused';
  return {
    accepted,
    taskIds: first.taskIds,
    ...(accepted ? {} : { reason: first.note ?? 'refused' }),
    duplicate: true,
  };
}

/** Records a refused retry or finish (bounded, like refused approvals) and answers with the reason. */
export function refuseHoldDecision(
  run: HoldableRun,
  name: 'retryTasks' | 'finishRun',
  message: { taskIds?: readonly string[]; by?: string | undefined; decisionId?: string | undefined },
  reason: string,
  at: string,
): HoldAnswer {
  if (run.holdDecisions.filter((d) => d.decision === 'refused').length < MAX_REJECTED_DECISIONS) {
    const taskIds = [...(message.taskIds ?? [])].slice(0, 20);
    run.holdDecisions.push({
      decision: 'refused',
      taskIds,
      by: message.by ?? 'unknown',
      note: reason,
      at,
      ...decisionIdOf(message),
    });
  }
  run.refuse(name, message.taskIds?.[0], reason, at);
  return { accepted: false, taskIds: [], reason };
}

/** Why the run takes no decision about failed tasks now, if it does not. */
function closedToDecisions(run: HoldableRun): string | undefined {
  if (run.status === 'planning') return 'the run is still planning: no task has run yet';
  if (run.status !== 'running' && run.status !== 'holding') return `the run has ended (${run.status})`;
  if (run.finishRequested) return 'the run is finishing with what it has: it takes no more retries';
  return undefined;
}

/** Resets the requested failed tasks and their skipped dependents to pending; refusals are recorded. */
export function retryTasks(run: HoldableRun, request: RetryTasks, at: string): HoldAnswer {
  const closed = closedToDecisions(run);
  const notAllowed = approverProblem(run.options.approvers, request, request.credits);
  const reason =
    closed ??
    (run.options.onTaskFailure === 'stop'
      ? 'the run stops at its first failed task (onTaskFailure: stop)'
      : notAllowed);
  if (reason) return refuseHoldDecision(run, 'retryTasks', request, reason, at);
  const scope = retryScope([...run.tasks.values()], request);
  if (!scope.ok) return refuseHoldDecision(run, 'retryTasks', request, scope.error, at);
  const millicredits = request.credits !== undefined ? toMillicredits(request.credits) : 0;
  const by = request.by ?? 'unknown';
  if (millicredits > 0) {
    // Approved credits go to the run's pool, from which the retried attempts draw their allocations.
    run.poolMillicredits += millicredits;
    run.approvedExtraMillicredits += millicredits;
    const note = `approved with a retry of ${scope.taskIds.join(', ')}`;
    run.decisions.push({
      taskId: scope.taskIds[0]!,
      decision: 'approved',
      millicredits,
      by,
      note,
      at,
      ...decisionIdOf(request),
    });
  }
  for (const id of scope.taskIds) reopen(run, run.tasks.get(id)!, request);
  run.scheduler?.reset(scope.taskIds);
  if (run.status === 'holding') run.status = 'running';
  run.hold = undefined;
  run.holdDecisions.push({
    decision: 'retry',
    taskIds: scope.taskIds,
    by,
    ...(request.feedback ? { note: request.feedback } : {}),
    ...(millicredits > 0 ? { millicredits } : {}),
    ...(request.rounds !== undefined ? { rounds: request.rounds } : {}),
    at,
    ...decisionIdOf(request),
  });
  return { accepted: true, taskIds: scope.taskIds };
}

/**
 * One task back to pending. A task that ran starts a new attempt: its earlier one is kept with what it spent, and the
 * new one draws its first allocation again from the pool, as far as the pool goes (short of it, the task asks for
 * credits like any other). A task that was only skipped keeps the allocation it never used.
 */
function reopen(run: HoldableRun, view: TaskView, request: RetryTasks): void {
  const ran = view.status === 'failed' || view.status === 'cancelled';
  if (ran) {
    const attempt = view.attempt ?? 1;
    const earlier: TaskAttempt = {
      attempt,
      status: view.status,
      ...(view.error ? { error: view.error } : {}),
      allocatedMillicredits: view.allocatedMillicredits,
      grantedMillicredits: view.grantedMillicredits,
      spentMillicredits: view.spentMillicredits,
      reviewRounds: view.reviewRounds,
      modelCalls: view.modelCalls,
      ...(view.startedAt ? { startedAt: view.startedAt } : {}),
      ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}),
    };
    const firstAllocation = view.attempts?.[0]?.allocatedMillicredits ?? view.allocatedMillicredits;
    const allocation = Math.min(firstAllocation, run.poolMillicredits);
    run.poolMillicredits -= allocation;
    Object.assign(view, {
      attempts: [...(view.attempts ?? []), earlier],
      attempt: attempt + 1,
      allocatedMillicredits: allocation,
      grantedMillicredits: 0,
      spentMillicredits: 0,
      reviewRounds: 0,
      modelCalls: 0,
      retry: {
        attempt: attempt + 1,
        ...(request.feedback ? { feedback: { by: request.by ?? 'unknown', text: request.feedback } } : {}),
        ...(view.error ? { previousFailure: view.error } : {}),
        ...(request.rounds !== undefined ? { rounds: request.rounds } : {}),
        ...(request.fromBase ? { fromBase: true } : {}),
      },
    });
    for (const key of ['leasedMillicredits', 'lastVerdict', 'startedAt', 'work', 'executionRunId'] as const) {
      delete view[key];
    }
  }
  view.status = 'pending';
  delete view.error;
  delete view.finishedAt;
}

/** A person ends a holding run with what it has. */
export function finishRun(run: HoldableRun, request: FinishRun, at: string): HoldAnswer {
  const closed = closedToDecisions(run);
  const reason =
    closed ??
    (run.status !== 'holding'
      ? 'the run is not holding: tasks are still running (cancel it to stop it now)'
      : approverProblem(run.options.approvers, request));
  if (reason) return refuseHoldDecision(run, 'finishRun', request, reason, at);
  run.finishRequested = true;
  const failed = failedTasks(run).map((t) => t.id);
  run.holdDecisions.push({
    decision: 'finish',
    taskIds: failed,
    by: request.by ?? 'unknown',
    ...(request.reason ? { note: request.reason } : {}),
    at,
    ...decisionIdOf(request),
  });
  return { accepted: true, taskIds: [] };
}

/** The hold ran out: the run finishes as `finish` would, recorded as the timer's decision. */
export function holdTimedOut(run: HoldableRun, at: string): void {
  run.finishRequested = true;
  const failed = failedTasks(run).map((t) => t.id);
  const note = `nobody retried or finished the run within ${holdTimeoutSeconds(run)} s (holdTimeoutSeconds)`;
  run.holdDecisions.push({ decision: 'timed-out', taskIds: failed, by: 'timer', note, at });
}
