import { ApplicationFailure } from '@temporalio/workflow';
import { INVALID_INPUT } from '../../domain/errors';
import { formatIssues } from '../../domain/plan-validation';
import { GoalInput, TaskOutcome } from '../../domain/run';
import { readOutputRef } from '../../domain/task-address';

/** What the run reads from outside: its input, and the reports of tasks it inherited. */

/** The run's input, checked; a bad one fails the run at once with every problem named. */
export function parseGoalInput(raw: unknown): GoalInput {
  const parsed = GoalInput.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT,
      message: `invalid goalWorkflow input: ${formatIssues(parsed.error.issues, 'input').join('; ')}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

/** A taskFinished payload in the shape a task sends, or undefined. Older tasks wrote outputRef as a plain string. */
export function readReportedOutcome(raw: unknown): TaskOutcome | undefined {
  const outputRef = readOutputRef((raw as { outputRef?: unknown } | undefined)?.outputRef);
  const parsed = TaskOutcome.safeParse(raw && typeof raw === 'object' ? { ...raw, outputRef } : raw);
  return parsed.success ? parsed.data : undefined;
}
