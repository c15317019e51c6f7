import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_MODEL_FAILURES } from '../domain/errors';
import { MODEL_CALL_MAX_ATTEMPTS } from '../domain/limits';

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
