import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReviewVerdict } from '../../domain/agent-outputs';
import { TASK_REVIEW_FAILED } from '../../domain/errors';
import { taskOutcomeDetails } from '../../domain/failure-details';
import { MAX_SUMMARY_CHARS } from '../../domain/limits';
import type { TaskSpec } from '../../domain/plan';
import type { DependencyContext } from '../../domain/prompts';
import { majorityVerdict } from '../../domain/review';
import type { TaskOutcome } from '../../domain/run';
import type { RetryDirective } from '../../domain/task-failures';
import type { TaskProgress } from '../../domain/task-progress';
import { reportToRunSignal, taskFinishedSignal, taskProgressQuery } from '../messages';
import { ActingTask, type ActingState, type TaskWorkspaceInput } from './acting-task';
import { CreditAccount } from './credit-account';
import { retryFeedback, type Feedback, type TaskKind } from './task-kind';
import { TaskStop } from './task-stop';
import { TextTask } from './text-task';

export interface TaskWorkflowInput {
  /** Workflow id of the run, to which credit requests go. */
  runWorkflowId: string;
  goal: string;
  task: TaskSpec;
  dependencies: DependencyContext[];
  allocatedMillicredits: number;
  /** Credits lent from the run's pool, spendable without asking (absent in tasks started before leases). */
  leaseMillicredits?: number;
  maxReviewRounds: number;
  reviewPanelSize: number;
  escalationModel?: string;
  escalateAfterFailedRounds: number;
  approvalTimeoutSeconds?: number;
  /** The run's constraints, for the implementer and the reviewer (absent in tasks started before they got them). */
  constraints?: string[];
  /** Runs with a workspace: the agent acts in a checkout of the run's repository with tools, and verify gates review. */
  workspace?: TaskWorkspaceInput;
  /** A retried task's new attempt: its number, the person's feedback, why the attempt before failed. */
  retry?: RetryDirective;
}

/** What an acting task carries across continue-as-new. */
export interface TaskResume {
  nextRound: number;
  feedback?: Feedback;
  lastVerdict?: ReviewVerdict;
  progress: TaskProgress;
  granted: number;
  reportBySignal: boolean;
  acting: ActingState;
}

/** History length past which an acting task continues as new between rounds (a round may add thousands of events). */
const TASK_EVENTS_BEFORE_CONTINUING = 4000;

/**
 * One task: implement, pass the kind's gate, be reviewed against the acceptance criteria, and go round again with
 * the feedback until PASS or the round limit. What a round does depends on the task's kind (./task-kind.ts); every
 * call is metered against the task's credits (./credit-account.ts), which ask the run when the next call does not
 * fit and wait, durably, for the answer.
 */
export async function taskWorkflow(input: TaskWorkflowInput, resume?: TaskResume): Promise<TaskOutcome> {
  const { task } = input;
  const progress: TaskProgress = resume?.progress ?? {
    taskId: task.id,
    phase: 'implementing',
    round: 1,
    availableMillicredits: input.allocatedMillicredits + (input.leaseMillicredits ?? 0),
    spentMillicredits: 0,
    modelCalls: 0,
  };
  // Reported for the approval suggestion (a query result only: no command, nothing replayed depends on it).
  progress.maxRounds ??= input.maxReviewRounds;
  setHandler(taskProgressQuery, () => progress);
  const credits = new CreditAccount(
    { runWorkflowId: input.runWorkflowId, taskId: task.id, approvalTimeoutSeconds: input.approvalTimeoutSeconds },
    progress,
    resume?.granted,
  );
  const reporter = new RunReporter(input.runWorkflowId, resume?.reportBySignal ?? false);
  let lastVerdict: ReviewVerdict | undefined = resume?.lastVerdict;
  // Tasks of runs with a workspace act in a checkout; the others answer in text.
  const kind: TaskKind = input.workspace
    ? new ActingTask({ ...input, workspace: input.workspace }, progress, credits, resume?.acting)
    : new TextTask(input, credits);

  const outcome = (status: TaskOutcome['status'], summary: string, extra: Partial<TaskOutcome> = {}) =>
    outcomeOf({ progress, credits, kind, lastVerdict }, status, summary, extra);

  /**
   * Between rounds, a kind that continues as new does so once its history has grown long, with its whole state: an
   * acting task's rounds take hundreds of steps each. Never with a message handler still running, and never
   * mid-round (no credit request or step is then open).
   */
  async function continueIfLong(nextRound: number, feedback: Feedback | undefined) {
    if (!kind.continuation || nextRound > input.maxReviewRounds) return;
    const info = workflowInfo();
    const limit = input.workspace?.continueAfterEvents ?? TASK_EVENTS_BEFORE_CONTINUING;
    if (!info.continueAsNewSuggested && info.historyLength < limit) return;
    await condition(allHandlersFinished);
    const state: TaskResume = {
      nextRound,
      progress,
      granted: credits.granted,
      reportBySignal: reporter.bySignal,
      acting: kind.continuation(),
      ...(feedback ? { feedback } : {}),
      ...(lastVerdict ? { lastVerdict } : {}),
    };
    await continueAsNew<typeof taskWorkflow>(input, state);
  }

  try {
    if (kind.prepare) await kind.prepare();
    let feedback: Feedback | undefined = resume ? resume.feedback : input.retry && retryFeedback(input.retry);
    for (let round = resume?.nextRound ?? 1; round <= input.maxReviewRounds; round++) {
      await continueIfLong(round, feedback);
      progress.round = round;
      const escalate = input.escalationModel && round - 1 >= input.escalateAfterFailedRounds;
      progress.phase = 'implementing';
      const output = await kind.implement({
        round,
        ...(feedback ? { feedback } : {}),
        ...(escalate ? { modelOverride: input.escalationModel } : {}),
      });
      if (kind.verify) {
        // The gate: only work whose checks pass reaches the reviewer; a failure is the next round's feedback.
        const checked = await kind.verify(round);
        if (!checked.passed) {
          lastVerdict = checked.feedback;
          feedback = { round, verdict: checked.feedback };
          continue;
        }
      }
      progress.phase = 'reviewing';
      const seats = task.critical ? input.reviewPanelSize : 1;
      const verdicts: ReviewVerdict[] = [];
      // Panel seats run one after another so that each reservation sees what the previous seat spent.
      for (let seat = 0; seat < seats; seat++) verdicts.push(await kind.review(output, round, seat, seats));
      lastVerdict = majorityVerdict(verdicts);
      if (lastVerdict.verdict === 'PASS') {
        progress.phase = 'done';
        const succeeded = outcome('succeeded', output.summary);
        if (kind.release) await kind.release();
        await reporter.report(succeeded);
        return succeeded;
      }
      feedback = { round, verdict: lastVerdict };
    }
    throw new TaskStop(
      TASK_REVIEW_FAILED,
      `review failed after ${input.maxReviewRounds} round(s): ${lastVerdict?.summary ?? 'no verdict'}; ` +
        `fixes required: ${lastVerdict?.fixesRequired.join('; ') || 'none listed'}`,
    );
  } catch (err) {
    // Continuing as new is how a long task goes on, not an end: its checkout stays.
    if (err instanceof ContinueAsNew) throw err;
    progress.phase = 'done';
    if (kind.release) await CancellationScope.nonCancellable(() => kind.release!());
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => reporter.report(outcome('cancelled', '', { error: 'cancelled' })));
      throw err;
    }
    const type = err instanceof TaskStop ? err.failureType : failureTypeOf(err);
    const message = err instanceof TaskStop ? err.message : failureMessageOf(err);
    const failed = outcome('failed', '', { error: message, failureType: type });
    await reporter.report(failed);
    // The outcome also rides in the failure details: the Web UI shows the task as failed, and a run awaiting the
    // result gets the accounting (spend, rounds) it needs.
    throw ApplicationFailure.create({ type, message, nonRetryable: true, details: taskOutcomeDetails(failed) });
  }
}

/** The task's outcome, as its run books it and its result carries it. */
function outcomeOf(
  task: { progress: TaskProgress; credits: CreditAccount; kind: TaskKind; lastVerdict: ReviewVerdict | undefined },
  status: TaskOutcome['status'],
  summary: string,
  extra: Partial<TaskOutcome>,
): TaskOutcome {
  const { progress, lastVerdict } = task;
  return {
    taskId: progress.taskId,
    status,
    summary: summary.slice(0, MAX_SUMMARY_CHARS),
    reviewRounds: progress.round,
    modelCalls: progress.modelCalls,
    spentMillicredits: progress.spentMillicredits,
    grantedMillicredits: task.credits.granted,
    ...(lastVerdict ? { lastVerdict: lastVerdict.verdict } : {}),
    outputRef: { kind: 'taskHistory', workflowId: workflowInfo().workflowId },
    ...task.kind.outcome?.(status === 'succeeded'),
    ...extra,
  };
}

/**
 * How a task tells its run that it ended: the run that started it learns from the child's completion; a run that
 * inherited it across continue-as-new (which says so with `reportToRun`) needs a `taskFinished` signal.
 */
class RunReporter {
  constructor(
    private readonly runWorkflowId: string,
    public bySignal: boolean,
  ) {
    setHandler(reportToRunSignal, () => {
      this.bySignal = true;
    });
  }

  async report(outcome: TaskOutcome): Promise<void> {
    if (!this.bySignal) return;
    try {
      await getExternalWorkflowHandle(this.runWorkflowId).signal(taskFinishedSignal, outcome);
    } catch (err) {
      log.warn('could not report the outcome to the run', { run: this.runWorkflowId, error: String(err) });
    }
  }
}

function failureTypeOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause instanceof ApplicationFailure && cause.type) || 'Planwright.Task.Error';
}

function failureMessageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
