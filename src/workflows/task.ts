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
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MeteredResult } from '../domain/activity-contracts';
import type { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import type { CreditDecision } from '../domain/approvals';
import { formatCredits } from '../domain/credits';
import { TASK_APPROVAL_TIMEOUT, TASK_BUDGET_DENIED, TASK_REVIEW_FAILED } from '../domain/errors';
import { readSpendDetails, taskOutcomeDetails } from '../domain/failure-details';
import { MAX_SUMMARY_CHARS } from '../domain/limits';
import type { TaskSpec } from '../domain/plan';
import type { DependencyContext } from '../domain/prompts';
import { majorityVerdict } from '../domain/review';
import type { TaskOutcome } from '../domain/run';
import type { TaskProgress } from '../domain/task-progress';
import { ActingTask, type ActingState, type TaskWorkspaceInput } from './acting-task';
import { MODEL_CALL_OPTIONS } from './activity-options';
import {
  creditDecisionSignal,
  reportToRunSignal,
  requestCreditsSignal,
  taskFinishedSignal,
  taskProgressQuery,
} from './messages';
import { TaskStop } from './task-stop';

const { implementTask, reviewTask } = proxyActivities<Activities>(MODEL_CALL_OPTIONS);

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
}

/**
 * One task: implement, review against the acceptance criteria, and go round again with the reviewer's feedback until
 * PASS or the round limit. Every call is metered against the task's credits; when the next call does not fit, the
 * task asks its run for credits and waits, durably, for the answer.
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
  let granted = resume?.granted ?? 0;
  let decision: CreditDecision | undefined;
  // The request this task is waiting on: only its answer is taken. `id` is set for requests made since ids existed.
  let awaiting: { id?: string } | undefined;
  let lastVerdict: ReviewVerdict | undefined = resume?.lastVerdict;
  setHandler(taskProgressQuery, () => progress);
  // Anyone who may signal the namespace can send this signal; a decision counts only as the answer to this task's own
  // open request (same request id), in the expected shape. Everything else is refused and counted, never stored.
  setHandler(creditDecisionSignal, (raw: unknown) => {
    const d = readCreditDecision(raw);
    const refusal = !d
      ? 'not a credit decision'
      : !awaiting
        ? 'no credit request is open'
        : awaiting.id !== undefined && d.requestId !== awaiting.id
          ? 'not the answer to the open credit request'
          : undefined;
    if (refusal) {
      progress.refusedSignals = (progress.refusedSignals ?? 0) + 1;
      log.warn(`creditDecision refused: ${refusal}`);
      return;
    }
    decision = d;
  });
  // Set when the run that started this task has continued as new: its completion event would be lost.
  let reportBySignal = resume?.reportBySignal ?? false;
  setHandler(reportToRunSignal, () => {
    reportBySignal = true;
  });

  const charge = (r: { spentMillicredits: number; calls: unknown[] }) => {
    progress.spentMillicredits += r.spentMillicredits;
    progress.modelCalls += r.calls.length;
  };

  /** Runs a metered activity until it fits the task's credits, asking the run for more as often as needed. */
  async function metered<T>(call: (available: number) => Promise<MeteredResult<T>>): Promise<T> {
    for (;;) {
      const result = await call(progress.availableMillicredits - progress.spentMillicredits).catch((err: unknown) => {
        chargeFailedCall(err);
        throw err;
      });
      charge(result);
      if (result.kind === 'ok') return result.value;
      await waitForCredits(result.shortfallMillicredits);
    }
  }

  /** Charges a fixed price, asking the run for the shortfall first as often as needed. */
  async function chargeFixed(millicredits: number) {
    for (;;) {
      const shortfall = millicredits - (progress.availableMillicredits - progress.spentMillicredits);
      if (shortfall <= 0) break;
      await waitForCredits(shortfall);
    }
    progress.spentMillicredits += millicredits;
  }

  function chargeFailedCall(err: unknown) {
    // Calls that failed after the provider billed them are charged too (their spend rides in the failure details, or
    // in the last heartbeat of an activity whose worker died). Histories recorded before the latter replay without it.
    if (!(err instanceof ActivityFailure)) return;
    if (err.cause instanceof TimeoutFailure && !patched('charge-timed-out-calls')) return;
    const spend = readSpendDetails(err);
    if (spend?.spentMillicredits) charge(spend);
  }

  async function waitForCredits(shortfallMillicredits: number) {
    const phase = progress.phase;
    progress.phase = 'awaiting_approval';
    decision = undefined;
    // Histories recorded before request ids replay without them.
    awaiting = patched('credit-request-ids') ? { id: uuid4() } : {};
    await getExternalWorkflowHandle(input.runWorkflowId).signal(requestCreditsSignal, {
      taskId: task.id,
      shortfallMillicredits,
      ...(awaiting.id ? { requestId: awaiting.id } : {}),
    });
    const timeout = input.approvalTimeoutSeconds !== undefined ? input.approvalTimeoutSeconds * 1000 : undefined;
    const answered =
      timeout === undefined
        ? (await condition(() => decision !== undefined), true)
        : await condition(() => decision !== undefined, timeout);
    progress.phase = phase;
    awaiting = undefined;
    if (!answered) {
      throw new TaskStop(
        TASK_APPROVAL_TIMEOUT,
        `no decision on ${formatCredits(shortfallMillicredits)} more credits within ${input.approvalTimeoutSeconds} s`,
      );
    }
    const d = decision as CreditDecision | undefined;
    if (d?.kind === 'denied') throw new TaskStop(TASK_BUDGET_DENIED, `credits denied: ${d.reason}`);
    if (d?.kind === 'granted') {
      granted += d.millicredits;
      progress.availableMillicredits += d.millicredits;
    }
  }

  const outcome = (status: TaskOutcome['status'], summary: string, extra: Partial<TaskOutcome> = {}): TaskOutcome => ({
    taskId: task.id,
    status,
    summary: summary.slice(0, MAX_SUMMARY_CHARS),
    reviewRounds: progress.round,
    modelCalls: progress.modelCalls,
    spentMillicredits: progress.spentMillicredits,
    grantedMillicredits: granted,
    ...(lastVerdict ? { lastVerdict: lastVerdict.verdict } : {}),
    outputRef: { kind: 'taskHistory', workflowId: workflowInfo().workflowId },
    ...(acting ? { toolCalls: acting.toolCallsUsed } : {}),
    ...extra,
  });

  /** Tells a run that inherited this task how it ended; the run that started it learns from the completion. */
  const report = async (o: TaskOutcome) => {
    if (!reportBySignal) return;
    try {
      await getExternalWorkflowHandle(input.runWorkflowId).signal(taskFinishedSignal, o);
    } catch (err) {
      log.warn('could not report the outcome to the run', { run: input.runWorkflowId, error: String(err) });
    }
  };

  // Tasks of runs with a workspace act in a checkout; the others answer in text, as before.
  const acting = input.workspace
    ? new ActingTask(
        { runId: runIdOf(input), taskId: task.id },
        input.workspace,
        progress,
        { metered, charge: chargeFixed },
        resume?.acting,
        input.approvalTimeoutSeconds,
      )
    : undefined;
  const constraints = input.constraints?.length ? { constraints: input.constraints } : {};

  /** One implementation round: the implementer's output (text agents) or its summary after the tool loop. */
  async function implement(round: number, feedback: Feedback | undefined, modelOverride: { modelOverride?: string }) {
    if (acting) {
      const summary = await acting.implementRound({
        round,
        goal: input.goal,
        task,
        dependencies: input.dependencies,
        ...constraints,
        ...(feedback ? { feedback } : {}),
        ...modelOverride,
      });
      return { summary, artifacts: [], notes: '' } satisfies ImplementerOutput;
    }
    return metered((available) =>
      implementTask.executeWithOptions({ ...MODEL_CALL_OPTIONS, summary: `implement ${task.id} · round ${round}` }, [
        {
          goal: input.goal,
          task,
          dependencies: input.dependencies,
          ...constraints,
          round,
          ...(feedback ? { feedback } : {}),
          availableMillicredits: available,
          ...modelOverride,
        },
      ]),
    );
  }

  /** One reviewer seat's verdict; acting tasks are reviewed on their diff, on the worker holding the checkout. */
  function review(output: ImplementerOutput, round: number, seat: number, seats: number) {
    return metered((available) =>
      acting
        ? acting.review({ task, round, panelSeat: seat, summary: output.summary, available, ...constraints })
        : reviewTask.executeWithOptions(
            {
              ...MODEL_CALL_OPTIONS,
              summary: `review ${task.id} · round ${round}${seats > 1 ? ` · seat ${seat + 1}` : ''}`,
            },
            [{ task, output, round, panelSeat: seat, availableMillicredits: available, ...constraints }],
          ),
    );
  }

  /**
   * Between rounds, an acting task whose history has grown long continues as new with its whole state: its rounds
   * take hundreds of steps each. Never with a message handler still running, and never mid-round (no credit request
   * or step is then open).
   */
  async function continueIfLong(nextRound: number, feedback: Feedback | undefined) {
    if (!acting || nextRound > input.maxReviewRounds) return;
    const info = workflowInfo();
    const limit = input.workspace?.continueAfterEvents ?? TASK_EVENTS_BEFORE_CONTINUING;
    if (!info.continueAsNewSuggested && info.historyLength < limit) return;
    await condition(allHandlersFinished);
    const state: TaskResume = {
      nextRound,
      progress,
      granted,
      reportBySignal,
      acting: acting.state(),
      ...(feedback ? { feedback } : {}),
      ...(lastVerdict ? { lastVerdict } : {}),
    };
    await continueAsNew<typeof taskWorkflow>(input, state);
  }

  try {
    if (acting && !acting.prepared) await acting.prepare();
    let feedback: Feedback | undefined = resume?.feedback;
    for (let round = resume?.nextRound ?? 1; round <= input.maxReviewRounds; round++) {
      await continueIfLong(round, feedback);
      progress.round = round;
      const failedRounds = round - 1;
      const escalate = input.escalationModel && failedRounds >= input.escalateAfterFailedRounds;
      const modelOverride = escalate ? { modelOverride: input.escalationModel } : {};
      progress.phase = 'implementing';
      const output = await implement(round, feedback, modelOverride);
      if (acting) {
        // The verify gate: only work whose checks pass reaches the reviewer; a failure is the next round's feedback.
        progress.phase = 'verifying';
        const checked = await acting.verify(round);
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
      for (let seat = 0; seat < seats; seat++) verdicts.push(await review(output, round, seat, seats));
      lastVerdict = majorityVerdict(verdicts);
      if (lastVerdict.verdict === 'PASS') {
        progress.phase = 'done';
        const succeeded = outcome('succeeded', output.summary, acting ? { work: acting.work() } : {});
        await acting?.release();
        await report(succeeded);
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
    if (acting) await CancellationScope.nonCancellable(() => acting.release());
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => report(outcome('cancelled', '', { error: 'cancelled' })));
      throw err;
    }
    const type = err instanceof TaskStop ? err.failureType : failureTypeOf(err);
    const message = err instanceof TaskStop ? err.message : failureMessageOf(err);
    const failed = outcome('failed', '', { error: message, failureType: type });
    await report(failed);
    // The outcome also rides in the failure details: the Web UI shows the task as failed, and a run awaiting the
    // result gets the accounting (spend, rounds) it needs.
    throw ApplicationFailure.create({ type, message, nonRetryable: true, details: taskOutcomeDetails(failed) });
  }
}

type Feedback = { round: number; verdict: ReviewVerdict };

/** History length past which an acting task continues as new between rounds (a round may add thousands of events). */
const TASK_EVENTS_BEFORE_CONTINUING = 4000;

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

/** The run a task belongs to: its workflow id is <runId>/<taskId>, and the run's id is given to it. */
function runIdOf(input: TaskWorkflowInput): string {
  return input.runWorkflowId;
}

function failureTypeOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause instanceof ApplicationFailure && cause.type) || 'Planwright.Task.Error';
}

function failureMessageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** A credit decision as the run sends it, checked by hand: task workflows stay zod-free. */
function readCreditDecision(raw: unknown): CreditDecision | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const d = raw as Record<string, unknown>;
  const requestId = typeof d.requestId === 'string' ? { requestId: d.requestId } : {};
  if (d.kind === 'granted' && Number.isSafeInteger(d.millicredits) && (d.millicredits as number) > 0) {
    return { kind: 'granted', millicredits: d.millicredits as number, ...requestId };
  }
  if (d.kind === 'denied' && typeof d.reason === 'string') return { kind: 'denied', reason: d.reason, ...requestId };
  return undefined;
}
