import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import type { CallRecord } from './model';
import type { TaskOutcome } from './run';
import { readOutputRef } from './task-address';

/**
 * What rides inside failures across activity and child-workflow boundaries, with one builder and one reader each:
 * - the spend of a model-call activity that failed after requests were made (the task charges it), and
 * - the outcome of a task workflow that failed on purpose (the run books its rounds and spend).
 * Plain checks instead of zod: task workflows read these, and they stay zod-free (test/unit/workflow-imports.test.ts).
 */

/** Credits a failed activity had already spent, and on which calls. */
export interface SpendDetails {
  /** Spent across every request and attempt of the activity, in millicredits. */
  spentMillicredits: number;
  /** Each request made, with its usage and cost. */
  calls: CallRecord[];
  /** Validation errors of the last answer, when the failure is invalid output. */
  errors?: string[];
}

/** The `details` of an ApplicationFailure that carries spend. */
export function spendDetails(spend: SpendDetails): [SpendDetails] {
  return [spend];
}

/**
 * The spend carried by an activity's failure (or by the ApplicationFailure itself), if it carries any. An activity
 * that timed out (its worker died) left its last checkpoint in its heartbeat details; a request it had out then is
 * charged at its reservation, as a retry would have charged it.
 */
export function readSpendDetails(err: unknown): SpendDetails | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return checkpointSpend(cause.lastHeartbeatDetails);
  if (!(cause instanceof ApplicationFailure)) return undefined;
  return parseSpend(cause.details?.[0]);
}

function parseSpend(raw: unknown): SpendDetails | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { spentMillicredits: spent, calls, errors } = raw as Partial<SpendDetails>;
  if (typeof spent !== 'number' || !Number.isFinite(spent) || spent < 0) return undefined;
  return {
    spentMillicredits: spent,
    calls: Array.isArray(calls) ? calls : [],
    ...(Array.isArray(errors) ? { errors } : {}),
  };
}

/** The spend in a model call's heartbeat checkpoint, with a request still out charged at its reservation. */
function checkpointSpend(raw: unknown): SpendDetails | undefined {
  const spend = parseSpend(raw);
  const inFlight = (raw as { inFlight?: { reservedMillicredits?: unknown; model?: unknown; attempt?: unknown } })
    ?.inFlight;
  const reserved = inFlight?.reservedMillicredits;
  if (!spend || typeof reserved !== 'number' || !Number.isFinite(reserved) || reserved <= 0) return spend;
  const unknown: CallRecord = {
    model: typeof inFlight?.model === 'string' ? inFlight.model : '?',
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 },
    costMillicredits: reserved,
    latencyMs: 0,
    attempt: typeof inFlight?.attempt === 'number' ? inFlight.attempt : 0,
    repair: false,
    outcome: 'unknown',
  };
  return { spentMillicredits: spend.spentMillicredits + reserved, calls: [...spend.calls, unknown] };
}

/** The `details` of the ApplicationFailure a task workflow fails with: its outcome, for the Web UI and its run. */
export function taskOutcomeDetails(outcome: TaskOutcome): [TaskOutcome] {
  return [outcome];
}

/** The outcome a task attached to its failure, if the failure is one of ours for this task. */
export function readTaskOutcomeDetails(cause: unknown, taskId: string): TaskOutcome | undefined {
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const raw = cause.details?.[0] as Partial<TaskOutcome> | undefined;
  if (!raw || typeof raw !== 'object' || raw.taskId !== taskId) return undefined;
  if (raw.status !== 'failed' && raw.status !== 'cancelled' && raw.status !== 'succeeded') return undefined;
  const counts = [raw.reviewRounds, raw.modelCalls, raw.spentMillicredits, raw.grantedMillicredits];
  if (!counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return undefined;
  const outputRef = readOutputRef(raw.outputRef);
  if (!outputRef) return undefined;
  return { ...(raw as TaskOutcome), outputRef };
}

/**
 * The outcome of a task workflow that ended in failure, from the failure's cause: the outcome the task attached to
 * its ApplicationFailure when it failed on purpose, otherwise one built from the cause (cancelled, terminated, timed
 * out, or a bug). Shared by the run (child failures) and the activity that collects outcomes after a hand-over.
 */
export function outcomeFromFailureCause(
  taskId: string,
  cause: unknown,
  outputRef: TaskOutcome['outputRef'],
): TaskOutcome {
  const detail = readTaskOutcomeDetails(cause, taskId);
  if (detail) return detail;
  const cancelled = cause instanceof CancelledFailure;
  const failureType = cause instanceof ApplicationFailure ? cause.type : undefined;
  return {
    taskId,
    status: cancelled ? 'cancelled' : 'failed',
    summary: '',
    error: cancelled ? 'cancelled' : cause instanceof Error ? cause.message : String(cause),
    ...(failureType ? { failureType } : {}),
    reviewRounds: 0,
    modelCalls: 0,
    spentMillicredits: 0,
    grantedMillicredits: 0,
    outputRef,
  };
}
