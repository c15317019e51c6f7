import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TaskOutcome } from './run';

/**
 * The outcome of a task workflow that ended in failure, from the failure's cause: the outcome the task attached to
 * its ApplicationFailure when it failed on purpose, otherwise one built from the cause (cancelled, terminated, timed
 * out, or a bug). Shared by the run (child failures) and the activity that collects outcomes after a hand-over.
 */
export function outcomeFromFailureCause(taskId: string, cause: unknown, outputRef: string): TaskOutcome {
  const detail = cause instanceof ApplicationFailure ? (cause.details?.[0] as TaskOutcome | undefined) : undefined;
  if (detail && detail.taskId === taskId) return detail;
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
