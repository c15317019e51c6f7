import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_MODEL_FAILURES } from '../domain/errors';

/** Attempts per model-call activity: transient provider errors are retried by Temporal, never forever. */
export const MODEL_CALL_MAX_ATTEMPTS = 5;

/**
 * Options of every model-call activity, declared once. Streaming heartbeats keep long generations alive, and a missed
 * heartbeat is how a worker crash is noticed within seconds rather than at the start-to-close timeout.
 */
export const MODEL_CALL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: MODEL_CALL_MAX_ATTEMPTS,
    nonRetryableErrorTypes: [...NON_RETRYABLE_MODEL_FAILURES],
  },
};
