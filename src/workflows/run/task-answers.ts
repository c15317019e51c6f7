import { getExternalWorkflowHandle, log, type SignalDefinition } from '@temporalio/workflow';
import { formatIssues } from '../../domain/plan-validation';

/**
 * The run's half of the channel to its tasks (the task's half: ../task/run-requests.ts): answers go to the task's
 * workflow by signal. A task that has ended meanwhile (timed out, cancelled) waits for nothing: the answer is dropped
 * with a warning, never an error of the run.
 */
export async function answerTask<A>(
  taskWorkflowId: string,
  signal: SignalDefinition<[A]>,
  answer: A,
  what: string,
): Promise<void> {
  try {
    await getExternalWorkflowHandle(taskWorkflowId).signal(signal, answer);
  } catch (err) {
    log.warn(`could not deliver ${what}`, { taskWorkflowId, error: String(err) });
  }
}

/** The refusal of a malformed message, naming each wrong field. */
export const invalidPayload = (name: string, issues: Parameters<typeof formatIssues>[0]): string =>
  `invalid ${name} payload: ${formatIssues(issues, 'signal').join('; ')}`;
