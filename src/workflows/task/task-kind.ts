import type { ImplementerOutput, ReviewVerdict } from '../../domain/agent-outputs';
import type { RoundFeedback } from '../../domain/prompts';
import type { TaskOutcome } from '../../domain/run';
import type { RetryDirective } from '../../domain/task-failures';
import type { ActingState } from './acting-state';

/** The reviewer's (or the verify gate's) word on a round, for the next one; a retry adds a person's. */
export type Feedback = RoundFeedback;

/** What a retried task's first round hears: the person's word, and why the attempt before failed. */
export function retryFeedback(retry: RetryDirective): Feedback {
  const summary = retry.previousFailure ?? `attempt ${retry.attempt - 1} failed`;
  return {
    round: 0,
    verdict: { verdict: 'FAIL', criteria: [], fixesRequired: [], summary },
    ...(retry.feedback ? { person: retry.feedback } : {}),
  };
}

/** What one round of a task works from. */
export interface RoundContext {
  round: number;
  feedback?: Feedback;
  /** A stronger model after failed rounds (escalation). */
  modelOverride?: string;
}

/**
 * A kind of task, as the task workflow's round loop (./task-workflow.ts) drives it: implement, pass the gate, be
 * reviewed, round after round. The text task (./text-task.ts) answers in text; the acting task (./acting-task.ts)
 * works in a checkout with tools. Kinds to come fit the same loop: a task that runs a nested plan implements by
 * starting a run of its own and is reviewed on its result; a read-only planning agent acts with reading tools only.
 * Optional members are what only some kinds do; the loop calls them only when present, so a kind without them adds
 * no workflow command (text tasks replay as they were recorded).
 */
export interface TaskKind {
  /** Gets ready before the first round (an acting task's checkout); absent: nothing to do. */
  prepare?(): Promise<void>;
  /** One implementation round. */
  implement(round: RoundContext): Promise<ImplementerOutput>;
  /** The gate between implementing and review; a failure is the next round's feedback. Absent: no gate. */
  verify?(round: number): Promise<{ passed: true } | { passed: false; feedback: ReviewVerdict }>;
  /** One reviewer seat's verdict on the round's output. */
  review(output: ImplementerOutput, round: number, seat: number, seats: number): Promise<ReviewVerdict>;
  /** What the kind adds to the task's outcome; `succeeded` when the task passed review. */
  outcome?(succeeded: boolean): Partial<TaskOutcome>;
  /** Gives back what the kind holds (a checkout); absent: nothing held. */
  release?(): Promise<void>;
  /** The state to continue as new with between rounds; absent: the kind never continues as new. */
  continuation?(): ActingState;
}
