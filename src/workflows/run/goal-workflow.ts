import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CreditDecision } from '../../domain/approvals';
import { BudgetTooSmallError, toMillicredits } from '../../domain/credits';
import { BUDGET_TOO_SMALL, INVALID_INPUT } from '../../domain/errors';
import { outcomeFromFailureCause } from '../../domain/failure-details';
import {
  approvalNeeded,
  runEnded,
  toolCallNeedsApproval,
  workspaceWorkerNeeded,
  type RunNotification,
} from '../../domain/notifications';
import { constraintList } from '../../domain/prompts';
import type { GoalInputJson, RunView, TaskOutcome } from '../../domain/run';
import { RunLedger } from '../../domain/run-ledger';
import type { RunSnapshot } from '../../domain/run-snapshot';
import { taskStatesOf } from '../../domain/run-view';
import { checkRunId, taskOutputRef, taskWorkflowId } from '../../domain/task-address';
import { MODEL_CALL_OPTIONS } from '../activity-options';
import {
  approveBudgetSignal,
  approveBudgetUpdate,
  creditDecisionSignal,
  denyBudgetSignal,
  denyBudgetUpdate,
  ledgerQuery,
  pendingApprovalsQuery,
  planQuery,
  reportToRunSignal,
  requestCreditsSignal,
  statusQuery,
  taskFinishedSignal,
  taskStatesQuery,
} from '../messages';
import { taskWorkflow } from '../task/task-workflow';
import { createBudgetHandlers } from './budget-handlers';
import { parseGoalInput, readReportedOutcome } from './goal-input';
import { RunMeters } from './run-meters';
import { createRunPublisher } from './run-publisher';
import { checkPlanPolicy, integrateRun, integrationError, openWorkspaceVisibly, taskWorkspace } from './run-workspace';
import { answerTask } from './task-answers';
import { registerToolCallHandlers } from './tool-approval-handlers';

const { preparePlan } = proxyActivities<Activities>(MODEL_CALL_OPTIONS);
const { collectTaskOutcomes } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});
// A webhook gets a few tries within seconds: a message that cannot be delivered must not hold up a run.
const NOTIFY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
} as const;
const { notify } = proxyActivities<Activities>(NOTIFY_OPTIONS);
const { confirmTaskOutcome } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/** Tells people through the worker's webhook. Never fails the run: a message that cannot go out is logged. */
async function tell(notification: RunNotification): Promise<void> {
  // Histories recorded before notifications existed replay without them.
  if (!patched('run-notifications')) return;
  try {
    await notify.executeWithOptions(
      {
        ...NOTIFY_OPTIONS,
        summary: `notify ${notification.event}${notification.taskId ? ` ${notification.taskId}` : ''}`,
      },
      [notification],
    );
  } catch (err) {
    log.warn('could not deliver a notification', { event: notification.event, error: String(err) });
  }
}

/**
 * A run: obtain a validated plan (the caller's or the planner's), then start one `taskWorkflow` child per task the
 * moment its dependencies have succeeded and a slot under `maxConcurrency` is free, most critical first. A failed task
 * skips its dependents; independent branches go on. Continues as new when the server suggests it, carrying the
 * ledger in `resume`; tasks keep running across it and report to whichever run is current. Returns the run report.
 */
export async function goalWorkflow(rawInput: GoalInputJson, resume?: RunSnapshot): Promise<RunView> {
  const input = parseGoalInput(rawInput);
  const runId = workflowInfo().workflowId;
  // A raw `temporal workflow start` can pick any id; one that cannot be a run's would collide with task ids. Runs
  // started before the check (and their continuations) go on as they were.
  const runIdProblem = !resume && patched('run-id-check') ? checkRunId(runId) : undefined;
  if (runIdProblem) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT,
      message: `invalid run id "${runId}": ${runIdProblem}; start the run again with another --workflow-id`,
      nonRetryable: true,
    });
  }
  const now = () => new Date().toISOString();
  const childIdOf = (taskId: string) => taskWorkflowId(runId, taskId);
  const options = {
    runId,
    goal: input.goal,
    budgetMillicredits: toMillicredits(input.budgetCredits),
    maxConcurrency: input.maxConcurrency,
    reservePercent: input.reservePercent,
    autoApproveMillicredits: toMillicredits(input.autoApproveCredits),
    startedAt: now(),
    ...(input.approvers ? { approvers: input.approvers } : {}),
  };
  const constraints = constraintList(input.constraints);
  const ledger = resume ? RunLedger.restore(options, resume, childIdOf) : new RunLedger(options);
  // Tasks started by an earlier run of this workflow: not children of this run, so cancelled by id.
  const inherited = new Set(resume ? ledger.runningTaskIds() : []);

  const meters = new RunMeters(ledger.decisions.length);
  const publish = createRunPublisher(ledger, meters);
  const tellTask = (taskId: string, decision: CreditDecision) =>
    answerTask(childIdOf(taskId), creditDecisionSignal, decision, 'a credit decision');
  const budget = createBudgetHandlers({
    ledger,
    publish,
    tellTask,
    now,
    askPerson: async (taskId, shortfallMillicredits) => {
      const task = ledger.spec(taskId);
      await tell(
        approvalNeeded({ runId, goal: input.goal, taskId, taskTitle: task.title, shortfallMillicredits, at: now() }),
      );
    },
  });

  /**
   * After a continue-as-new, the tasks still running were started by the previous run, so their completion events
   * would go there. Each is told to report by signal instead; a task that closed before the message reached it
   * (the delivery fails) has its outcome read from its own result.
   */
  async function takeOverInheritedTasks() {
    const closed: { taskId: string; workflowId: string }[] = [];
    await Promise.all(
      [...inherited].map(async (taskId) => {
        try {
          await getExternalWorkflowHandle(childIdOf(taskId)).signal(reportToRunSignal);
        } catch {
          closed.push({ taskId, workflowId: childIdOf(taskId) });
        }
      }),
    );
    if (closed.length > 0) {
      for (const outcome of await collectTaskOutcomes({ tasks: closed })) onTaskFinished(outcome);
    }
  }

  // Children run in their own scope so that fail-fast can cancel them without cancelling the run itself.
  const runningScope = new CancellationScope();
  const cancelRunningTasks = () => {
    runningScope.cancel();
    for (const taskId of inherited) {
      getExternalWorkflowHandle(childIdOf(taskId))
        .cancel()
        .catch((err: unknown) => log.warn('could not cancel a task', { taskId, error: String(err) }));
    }
  };
  let failFastTriggered = false;
  // Set once this run has started or finished a task. A run continues as new only after that: one that began with the
  // suggestion already set (its input alone past a low history-size limit) would otherwise hand over forever.
  let progressed = false;
  const onTaskFinished = (outcome: TaskOutcome) => {
    progressed = true;
    // A second report of the same end (a signal and a completion both arriving) changes nothing and counts nothing.
    const wasOpen = ledger.isOpen(outcome.taskId);
    const skipped = ledger.finishTask(outcome, now());
    if (wasOpen) meters.taskEnded(ledger.tasks.get(outcome.taskId));
    for (const id of skipped) meters.taskEnded(ledger.tasks.get(id));
    inherited.delete(outcome.taskId);
    if (outcome.status === 'failed' && skipped.length > 0) {
      log.info(`task ${outcome.taskId} failed; skipped its dependents`, { dependents: skipped });
    }
    if (outcome.status === 'failed' && input.failFast && !failFastTriggered) {
      failFastTriggered = true;
      for (const id of ledger.skipAllPending(`fail-fast: task "${outcome.taskId}" failed`, now())) {
        meters.taskEnded(ledger.tasks.get(id));
      }
      cancelRunningTasks();
    }
    publish();
  };

  /**
   * A task inherited across continue-as-new reports its end by signal. Accepted only for such a task while it is
   * still open, and then confirmed against the task workflow itself: the outcome booked is the one the task workflow
   * returned, not the signal's, so a forged report can neither end a running task nor change what it spent.
   */
  async function reportedTaskEnd(raw: unknown): Promise<void> {
    const reported = readReportedOutcome(raw);
    if (!reported) return void budget.refuse('taskFinished', raw, 'not a task outcome');
    const { taskId } = reported;
    if (!inherited.has(taskId) || !ledger.isOpen(taskId)) {
      return void budget.refuse('taskFinished', raw, `task "${taskId}" is not an open task handed over to this run`);
    }
    // Histories recorded before the confirmation replay without it.
    if (!patched('confirmed-task-finished')) return onTaskFinished(reported);
    const confirmed = await confirmTaskOutcome({ taskId, workflowId: childIdOf(taskId), waitSeconds: 20 });
    if (!confirmed.closed) {
      return void budget.refuse('taskFinished', raw, `task workflow of "${taskId}" has not ended`);
    }
    onTaskFinished(confirmed.outcome);
  }

  setHandler(statusQuery, () => ledger.toView());
  setHandler(planQuery, () => ledger.plan ?? null);
  setHandler(taskStatesQuery, () => taskStatesOf(ledger.tasks.values()));
  setHandler(pendingApprovalsQuery, () => [...ledger.pending.values()]);
  setHandler(ledgerQuery, () => ledger.decisions);
  setHandler(taskFinishedSignal, (raw: unknown) => reportedTaskEnd(raw));
  // Messages may come from the plain Temporal CLI, or from anyone who may signal the namespace, with any shape.
  setHandler(requestCreditsSignal, (raw: unknown) => budget.requestCredits(raw));
  setHandler(approveBudgetSignal, async (raw: unknown) => void (await budget.approve(raw)));
  setHandler(denyBudgetSignal, async (raw: unknown) => void (await budget.deny(raw)));
  setHandler(approveBudgetUpdate, (raw: unknown) => budget.approve(raw));
  setHandler(denyBudgetUpdate, (raw: unknown) => budget.deny(raw));
  registerToolCallHandlers({
    ledger,
    publish,
    now,
    askPerson: (request) => tell(toolCallNeedsApproval({ runId, goal: input.goal, request, at: now() })),
  });

  publish();
  if (resume) await takeOverInheritedTasks();
  else {
    // A run with a workspace opens it first: a repository that cannot be used fails the run before any spending.
    if (input.workspace) {
      const opened = await openWorkspaceVisibly(runId, input.workspace, async (wait) => {
        ledger.waitingFor = wait;
        publish();
        if (wait) await tell(workspaceWorkerNeeded({ runId, goal: input.goal, wait }));
      });
      ledger.workspace = { opened };
    }
    const prepared = await preparePlan.executeWithOptions({ ...MODEL_CALL_OPTIONS, summary: 'plan' }, [
      {
        goal: input.goal,
        constraints,
        ...(input.plan ? { plan: input.plan } : {}),
        availableMillicredits: toMillicredits(input.budgetCredits),
      },
    ]);
    if (ledger.workspace) checkPlanPolicy(ledger.workspace.opened.policy, prepared.plan);
    try {
      ledger.setPlan(prepared.plan, prepared.spentMillicredits, childIdOf);
    } catch (err) {
      if (err instanceof BudgetTooSmallError) {
        throw ApplicationFailure.create({ type: BUDGET_TOO_SMALL, message: err.message, nonRetryable: true });
      }
      throw err;
    }
    publish();
  }

  let pendingStarts = 0;
  const startTask = async (taskId: string) => {
    const task = ledger.spec(taskId);
    // Histories recorded before leases replay without them: a lease changes which shortfalls reach the run.
    const lease = patched('task-credit-leases') ? ledger.lendTo(taskId) : 0;
    let outcome: TaskOutcome;
    try {
      progressed = true;
      pendingStarts++;
      const handle = await startChild(taskWorkflow, {
        workflowId: childIdOf(taskId),
        staticSummary: `${taskId}: ${task.title}`,
        staticDetails: `agent: ${task.agentType} · effort ${task.effort}\n\nAcceptance criteria:\n${task.acceptanceCriteria.map((c) => `- ${c}`).join('\n')}`,
        // Tasks outlive a continue-as-new of the run; cancellation and fail-fast stop them explicitly.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            runWorkflowId: runId,
            goal: input.goal,
            task,
            dependencies: ledger.dependencyContext(task),
            allocatedMillicredits: ledger.tasks.get(taskId)?.allocatedMillicredits ?? 0,
            ...(lease > 0 ? { leaseMillicredits: lease } : {}),
            maxReviewRounds: input.maxReviewRounds,
            reviewPanelSize: input.reviewPanelSize,
            escalateAfterFailedRounds: input.escalateAfterFailedRounds,
            ...(constraints.length > 0 ? { constraints } : {}),
            ...(input.escalationModel ? { escalationModel: input.escalationModel } : {}),
            ...(input.approvalTimeoutSeconds !== undefined
              ? { approvalTimeoutSeconds: input.approvalTimeoutSeconds }
              : {}),
            ...(ledger.workspace && input.workspace
              ? { workspace: taskWorkspace(ledger.workspace.opened, task, input.workspace) }
              : {}),
          },
        ],
      }).finally(() => pendingStarts--);
      outcome = await handle.result();
    } catch (err) {
      outcome = outcomeFromFailureCause(
        taskId,
        err instanceof ChildWorkflowFailure ? err.cause : err,
        taskOutputRef(runId, taskId),
      );
    }
    onTaskFinished(outcome);
  };

  // Continue as new only between child starts: a start in flight would be lost with this run's commands. Once the
  // server suggests it, nothing more starts until the starts in flight have landed; under full load there is
  // otherwise always one in flight, and the history grew to 20,000 events before a gap came (docs/benchmarks.md).
  const draining = () => progressed && workflowInfo().continueAsNewSuggested;
  const shouldContinueAsNew = () => draining() && pendingStarts === 0;
  let cancelled = false;
  try {
    for (;;) {
      if (!draining()) for (const taskId of ledger.takeStartable(now())) void runningScope.run(() => startTask(taskId));
      if (ledger.isFinished()) break;
      if (shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        // The plan travels in the snapshot; the input is sent again without it to keep the payload small.
        await continueAsNew<typeof goalWorkflow>(
          { ...rawInput, plan: undefined },
          ledger.snapshot((resume?.continuedRuns ?? 0) + 1),
        );
      }
      await condition(() => (!draining() && ledger.canStartMore()) || ledger.isFinished() || shouldContinueAsNew());
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
    // The run was cancelled: start nothing more, let the running tasks finish cancelling, then report.
    await CancellationScope.nonCancellable(async () => {
      for (const id of ledger.skipAllPending('the run was cancelled', now())) meters.taskEnded(ledger.tasks.get(id));
      cancelRunningTasks();
      await condition(() => ledger.isFinished());
    });
  }
  // Non-cancellable: a cancelled run still concludes, publishes and returns its report.
  return CancellationScope.nonCancellable(async () => {
    if (ledger.workspace && !cancelled) {
      const succeeded = ledger.plan?.tasks.filter((t) => ledger.tasks.get(t.id)?.status === 'succeeded') ?? [];
      const opened = ledger.workspace.opened;
      // Integration never fails the run: what went wrong is reported, and the run ends partial.
      ledger.workspace.integration = await integrateRun(runId, opened, succeeded, input.workspace?.setup ?? []).catch(
        (err: unknown) => integrationError(err),
      );
    }
    const status = ledger.conclude(now(), cancelled);
    meters.runEnded(status);
    publish();
    await tell(
      runEnded({
        runId,
        goal: input.goal,
        status,
        counts: ledger.counts(),
        spentMillicredits: ledger.spentMillicredits(),
        budgetMillicredits: ledger.options.budgetMillicredits,
        at: now(),
      }),
    );
    await condition(allHandlersFinished);
    return ledger.toView();
  });
}
