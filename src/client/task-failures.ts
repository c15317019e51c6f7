import type { Client } from '@temporalio/client';
import type { FinishRun, HoldAnswer, RetryTasksInput } from '../domain/task-failures';
import { finishRunSignal, finishRunUpdate, retryTasksSignal, retryTasksUpdate } from '../workflows/messages';
import { decide, type DecisionOptions, type Delivered } from './approvals';

/**
 * Runs a run's failed tasks again, with their skipped dependents: an Update under a decision id the client chose,
 * sent as a durable signal with the same id when no worker answers in time (./approvals.ts, `decide`). The answer
 * is the run's: the tasks it reset, or why it refused (recorded in the run either way).
 */
export function retryTasks(
  client: Client,
  runId: string,
  request: RetryTasksInput,
  options: DecisionOptions = {},
): Promise<Delivered<HoldAnswer>> {
  return decide(client, runId, request, { update: retryTasksUpdate, signal: retryTasksSignal }, options.timeoutMs);
}

/** Ends a holding run with what it has (it concludes partial); the answer is the run's. */
export function finishRun(
  client: Client,
  runId: string,
  request: FinishRun,
  options: DecisionOptions = {},
): Promise<Delivered<HoldAnswer>> {
  return decide(client, runId, request, { update: finishRunUpdate, signal: finishRunSignal }, options.timeoutMs);
}
