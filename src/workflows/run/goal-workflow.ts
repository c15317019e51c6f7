import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CreditDecision } from '../../domain/approvals';
import { BudgetTooSmallError, toMillicredits } from '../../domain/credits';
import { BUDGET_TOO_SMALL, INVALID_INPUT } from '../../domain/errors';
import { approvalNeeded, runEnded, toolCallNeedsApproval, workspaceWorkerNeeded } from '../../domain/notifications';
import { constraintList } from '../../domain/prompts';
import type { GoalInput, GoalInputJson, RunView } from '../../domain/run';
import { RunLedger, type RunLedgerOptions } from '../../domain/run-ledger';
import type { RunSnapshot } from '../../domain/run-snapshot';
import { taskStatesOf } from '../../domain/run-view';
import { checkRunId, taskWorkflowId } from '../../domain/task-address';
import { shouldHold } from '../../domain/task-retry';
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
  requestCreditsSignal,
  statusQuery,
  taskFinishedSignal,
  taskStatesQuery,
} from '../messages';
import { createBudgetHandlers } from './budget-handlers';
import { parseGoalInput } from './goal-input';
import { holdForPerson, registerHoldHandlers, type HoldContext } from './hold-handlers';
import { tell } from './notify';
import { RunMeters } from './run-meters';
import { createRunPublisher } from './run-publisher';
import { RunTasks } from './run-tasks';
import { checkPlanPolicy, integrateRun, integrationError, openWorkspaceVisibly } from './run-workspace';
import { answerTask } from './task-answers';
import { registerToolCallHandlers } from './tool-approval-handlers';

const { preparePlan } = proxyActivities<Activities>(MODEL_CALL_OPTIONS);

/**
 * A run: obtain a validated plan (the caller's or the planner's), then start one `taskWorkflow` child per task the
 * moment its dependencies have succeeded and a slot under `maxConcurrency` is free, most critical first. A failed task
 * skips its dependents; independent branches go on. Continues as new when the server suggests it, carrying the
 * ledger in `resume`; tasks keep running across it and report to whichever run is current. Returns the run report.
 */
export async function goalWorkflow(rawInput: GoalInputJson, resume?: RunSnapshot): Promise<RunView> {
  const input = parseGoalInput(rawInput);
  const runId = workflowInfo().workflowId;
  refuseNewRunWithBadId(runId, resume);
  const now = () => new Date().toISOString();
  const childIdOf = (taskId: string) => taskWorkflowId(runId, taskId);
  const options = ledgerOptions(runId, input, now());
  const constraints = constraintList(input.constraints);
  const ledger = resume ? RunLedger.restore(options, resume, childIdOf) : new RunLedger(options);
  const meters = new RunMeters(ledger.decisions.length);
  const publish = createRunPublisher(ledger, meters);
  const budget = createBudgetHandlers({
    ledger,
    publish,
    tellTask: (taskId: string, decision: CreditDecision) =>
      answerTask(childIdOf(taskId), creditDecisionSignal, decision, 'a credit decision'),
    now,
    askPerson: async (taskId, shortfallMillicredits) => {
      const task = ledger.spec(taskId);
      await tell(
        approvalNeeded({ runId, goal: input.goal, taskId, taskTitle: task.title, shortfallMillicredits, at: now() }),
      );
    },
  });
  const tasks = new RunTasks(
    { runId, input, constraints, ledger, meters, publish, now, refuse: budget.refuse },
    !!resume,
  );

  setHandler(statusQuery, () => ledger.toView());
  setHandler(planQuery, () => ledger.plan ?? null);
  setHandler(taskStatesQuery, () => taskStatesOf(ledger.tasks.values()));
  setHandler(pendingApprovalsQuery, () => [...ledger.pending.values()]);
  setHandler(ledgerQuery, () => ledger.decisions);
  setHandler(taskFinishedSignal, (raw: unknown) => tasks.reported(raw));
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
  const holding: HoldContext = { runId, goal: input.goal, ledger, publish, now };
  registerHoldHandlers(holding);

  publish();
  if (resume) await tasks.takeOverInherited();
  else await openRun({ runId, input, constraints, ledger, publish, childIdOf });
  // The plan travels in the snapshot; the input is sent again without it to keep the payload small.
  const handOver = (continuedRuns: number) =>
    continueAsNew<typeof goalWorkflow>({ ...rawInput, plan: undefined }, ledger.snapshot(continuedRuns));
  const hold = () => holdForPerson(holding);
  const cancelled = await runTasks(tasks, ledger, meters, now, { handOver, hold }, resume?.continuedRuns ?? 0);
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
    const spentMillicredits = ledger.spentMillicredits();
    const { budgetMillicredits } = ledger.options;
    const counts = ledger.counts();
    await tell(runEnded({ runId, goal: input.goal, status, counts, spentMillicredits, budgetMillicredits, at: now() }));
    await condition(allHandlersFinished);
    return ledger.toView();
  });
}

/**
 * A raw `temporal workflow start` can pick any id; one that cannot be a run's would collide with task ids. Runs
 * started before the check (and their continuations) go on as they were.
 */
function refuseNewRunWithBadId(runId: string, resume: RunSnapshot | undefined): void {
  const runIdProblem = !resume && patched('run-id-check') ? checkRunId(runId) : undefined;
  if (runIdProblem) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT,
      message: `invalid run id "${runId}": ${runIdProblem}; start the run again with another --workflow-id`,
      nonRetryable: true,
    });
  }
}

function ledgerOptions(runId: string, input: GoalInput, startedAt: string): RunLedgerOptions {
  return {
    runId,
    goal: input.goal,
    budgetMillicredits: toMillicredits(input.budgetCredits),
    maxConcurrency: input.maxConcurrency,
    reservePercent: input.reservePercent,
    autoApproveMillicredits: toMillicredits(input.autoApproveCredits),
    startedAt,
    ...(input.approvers ? { approvers: input.approvers } : {}),
    // Runs started before the policy existed read it from failFast, as they always behaved.
    onTaskFailure: input.onTaskFailure ?? (input.failFast ? 'stop' : 'finish'),
    ...(input.holdTimeoutSeconds !== undefined ? { holdTimeoutSeconds: input.holdTimeoutSeconds } : {}),
  };
}

/** A new run's start: its workspace opened (a repository that cannot be used fails the run before any spending), then its plan. */
async function openRun(run: {
  runId: string;
  input: GoalInput;
  constraints: string[];
  ledger: RunLedger;
  publish: () => void;
  childIdOf: (taskId: string) => string;
}): Promise<void> {
  const { runId, input, ledger, publish } = run;
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
      constraints: run.constraints,
      ...(input.plan ? { plan: input.plan } : {}),
      availableMillicredits: toMillicredits(input.budgetCredits),
    },
  ]);
  if (ledger.workspace) checkPlanPolicy(ledger.workspace.opened.policy, prepared.plan);
  try {
    ledger.setPlan(prepared.plan, prepared.spentMillicredits, run.childIdOf);
  } catch (err) {
    if (err instanceof BudgetTooSmallError) {
      throw ApplicationFailure.create({ type: BUDGET_TOO_SMALL, message: err.message, nonRetryable: true });
    }
    throw err;
  }
  publish();
}

/**
 * Starts tasks as they become startable until every task has ended; true when the run was cancelled. With nothing
 * left to run and a task failed under onTaskFailure "hold", holds for a person first. Continues as new only between
 * child starts: a start in flight would be lost with this run's commands. Once the server suggests
 * it, nothing more starts until the starts in flight have landed; under full load there is otherwise always one in
 * flight, and the history grew to 20,000 events before a gap came (docs/benchmarks.md).
 */
async function runTasks(
  tasks: RunTasks,
  ledger: RunLedger,
  meters: RunMeters,
  now: () => string,
  steps: { handOver: (continuedRuns: number) => Promise<never>; hold: () => Promise<void> },
  continuedRuns: number,
): Promise<boolean> {
  const draining = () => tasks.progressed && workflowInfo().continueAsNewSuggested;
  const shouldContinueAsNew = () => draining() && tasks.pendingStarts === 0;
  try {
    for (;;) {
      if (!draining())
        for (const taskId of ledger.takeStartable(now())) void tasks.runningScope.run(() => tasks.start(taskId));
      if (ledger.isFinished()) {
        // Only runs whose input says "hold" get here; the marker keeps a hold's timer and notification apart from
        // every history recorded before holds existed.
        if (!shouldHold(ledger) || !patched('task-failure-hold')) break;
        await steps.hold();
        continue;
      }
      if (shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        await steps.handOver(continuedRuns + 1);
      }
      await condition(() => (!draining() && ledger.canStartMore()) || ledger.isFinished() || shouldContinueAsNew());
    }
    return false;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The run was cancelled: start nothing more, let the running tasks finish cancelling, then report.
    await CancellationScope.nonCancellable(async () => {
      for (const id of ledger.skipAllPending('the run was cancelled', now())) meters.taskEnded(ledger.tasks.get(id));
      tasks.cancelRunning();
      await condition(() => ledger.isFinished());
    });
    return true;
  }
}
