import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { VerifyResult } from '../../domain/agent-loop';
import type { ReviewVerdict } from '../../domain/agent-outputs';
import { AGENT_CONTEXT_LOST, NON_RETRYABLE_MODEL_FAILURES } from '../../domain/errors';
import { workspaceQueueOf } from '../../domain/task-queues';
import { WORKSPACE_CHECKOUT_MISSING } from '../../domain/workspace-failures';
import { MODEL_CALL_OPTIONS } from '../activity-options';

/**
 * How an acting task reaches its activities, and how it reads their failures: steps go to the queue of the worker
 * holding its checkout, which must pick them up soon; preparing a checkout goes to any workspace worker.
 */

/** Most characters of a failed verify's output fed back to the implementer. */
const MAX_FEEDBACK_TAIL = 3000;

/** Options of an activity on the own queue of the worker holding the checkout. */
export function ownQueueOptions(
  queue: string,
  workerTimeoutSeconds: number,
  startToClose: ActivityOptions['startToCloseTimeout'],
): ActivityOptions {
  return {
    taskQueue: queue,
    // The worker holding the checkout must pick the step up soon: past this, it is taken for lost.
    scheduleToStartTimeout: `${workerTimeoutSeconds} seconds`,
    startToCloseTimeout: startToClose!,
    heartbeatTimeout: '30 seconds',
    retry: {
      ...MODEL_CALL_OPTIONS.retry,
      maximumAttempts: 3,
      nonRetryableErrorTypes: [...NON_RETRYABLE_MODEL_FAILURES, AGENT_CONTEXT_LOST],
    },
  };
}

/** Options of an activity any workspace worker may run (the shared workspace queue). */
export function sharedQueueOptions(summary: string): ActivityOptions & { summary: string } {
  return {
    taskQueue: workspaceQueueOf(workflowInfo().taskQueue),
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
    summary,
  };
}

/** Whether a failure means the worker holding the checkout is gone: the task moves instead of failing. */
export function isWorkerLost(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) return true;
  return (
    cause instanceof ApplicationFailure &&
    (cause.type === AGENT_CONTEXT_LOST || cause.type === WORKSPACE_CHECKOUT_MISSING)
  );
}

/** Failed verify commands as the feedback of the next round. */
export function verifyFeedback(failed: VerifyResult[]): ReviewVerdict {
  return {
    verdict: 'FAIL',
    criteria: [],
    fixesRequired: failed.map(
      (v) =>
        `make "${v.command}" pass: it ${v.timedOut ? 'timed out' : `exited ${v.exitCode ?? 'on a signal'}`}; ` +
        `the end of its output:\n${v.outputTail.slice(-MAX_FEEDBACK_TAIL)}`,
    ),
    summary: `verify failed: ${failed.map((v) => v.command).join(', ')}`,
  };
}
