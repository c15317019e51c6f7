import {
  CancellationScope,
  ChildWorkflowFailure,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { outcomeFromFailureCause } from '../../domain/failure-details';
import type { GoalInput, TaskOutcome } from '../../domain/run';
import type { RunLedger } from '../../domain/run-ledger';
import { taskOutputRef, taskWorkflowId } from '../../domain/task-address';
import { reportToRunSignal } from '../messages';
import { taskWorkflow } from '../task/task-workflow';
import { readReportedOutcome } from './goal-input';
import type { RunMeters } from './run-meters';
import { taskWorkspace } from './run-workspace';

const { collectTaskOutcomes } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});
const { confirmTaskOutcome } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/** What the run's tasks need from the run. */
export interface RunTasksContext {
  runId: string;
  input: GoalInput;
  constraints: string[];
  ledger: RunLedger;
  meters: RunMeters;
  publish: () => void;
  now: () => string;
  /** Refuses and counts a message (../budget-handlers.ts). */
  refuse: (name: string, raw: unknown, reason: string) => unknown;
}

/**
 * The run's tasks as child workflows: starting each with its part of the budget and of the workspace, booking each
 * end (also one reported by signal from a task inherited across continue-as-new), and stopping them (fail-fast,
 * cancellation).
 */
export class RunTasks {
  /** Tasks started by an earlier run of this workflow: not children of this run, so cancelled by id. */
  readonly inherited: Set<string>;
  /** Children run in their own scope so that fail-fast can cancel them without cancelling the run itself. */
  readonly runningScope = new CancellationScope();
  /**
   * Set once this run has started or finished a task. A run continues as new only after that: one that began with the
   * suggestion already set (its input alone past a low history-size limit) would otherwise hand over forever.
   */
  progressed = false;
  /** Child starts in flight: a continue-as-new waits for them to land. */
  pendingStarts = 0;
  private failFastTriggered = false;

  constructor(
    private readonly run: RunTasksContext,
    resumed: boolean,
  ) {
    this.inherited = new Set(resumed ? run.ledger.runningTaskIds() : []);
  }

  childIdOf(taskId: string): string {
    return taskWorkflowId(this.run.runId, taskId);
  }

  /** Which execution of a retried task's workflow id is its current attempt (absent for a first attempt). */
  private executionOf(taskId: string): { firstExecutionRunId?: string } {
    const runId = this.run.ledger.tasks.get(taskId)?.executionRunId;
    return runId ? { firstExecutionRunId: runId } : {};
  }

  /**
   * After a continue-as-new, the tasks still running were started by the previous run, so their completion events
   * would go there. Each is told to report by signal instead; a task that closed before the message reached it
   * (the delivery fails) has its outcome read from its own result.
   */
  async takeOverInherited(): Promise<void> {
    const closed: { taskId: string; workflowId: string; firstExecutionRunId?: string }[] = [];
    await Promise.all(
      [...this.inherited].map(async (taskId) => {
        try {
          await getExternalWorkflowHandle(this.childIdOf(taskId)).signal(reportToRunSignal);
        } catch {
          closed.push({ taskId, workflowId: this.childIdOf(taskId), ...this.executionOf(taskId) });
        }
      }),
    );
    if (closed.length > 0) {
      for (const outcome of await collectTaskOutcomes({ tasks: closed })) this.finished(outcome);
    }
  }

  /** Cancels every running task: the children of this run by scope, inherited ones by id. */
  cancelRunning(): void {
    this.runningScope.cancel();
    for (const taskId of this.inherited) {
      getExternalWorkflowHandle(this.childIdOf(taskId))
        .cancel()
        .catch((err: unknown) => log.warn('could not cancel a task', { taskId, error: String(err) }));
    }
  }

  /** Books a task's end; skips its dependents when it failed, and everything left under fail-fast. */
  finished(outcome: TaskOutcome): void {
    const { ledger, meters, now } = this.run;
    this.progressed = true;
    // A second report of the same end (a signal and a completion both arriving) changes nothing and counts nothing.
    const wasOpen = ledger.isOpen(outcome.taskId);
    const skipped = ledger.finishTask(outcome, now());
    if (wasOpen) meters.taskEnded(ledger.tasks.get(outcome.taskId));
    for (const id of skipped) meters.taskEnded(ledger.tasks.get(id));
    this.inherited.delete(outcome.taskId);
    if (outcome.status === 'failed' && skipped.length > 0) {
      log.info(`task ${outcome.taskId} failed; skipped its dependents`, { dependents: skipped });
    }
    if (outcome.status === 'failed' && ledger.options.onTaskFailure === 'stop' && !this.failFastTriggered) {
      this.failFastTriggered = true;
      for (const id of ledger.skipAllPending(`fail-fast: task "${outcome.taskId}" failed`, now())) {
        meters.taskEnded(ledger.tasks.get(id));
      }
      this.cancelRunning();
    }
    this.run.publish();
  }

  /**
   * A task inherited across continue-as-new reports its end by signal. Accepted only for such a task while it is
   * still open, and then confirmed against the task workflow itself: the outcome booked is the one the task workflow
   * returned, not the signal's, so a forged report can neither end a running task nor change what it spent.
   */
  async reported(raw: unknown): Promise<void> {
    const { ledger, refuse } = this.run;
    const reported = readReportedOutcome(raw);
    if (!reported) return void refuse('taskFinished', raw, 'not a task outcome');
    const { taskId } = reported;
    if (!this.inherited.has(taskId) || !ledger.isOpen(taskId)) {
      return void refuse('taskFinished', raw, `task "${taskId}" is not an open task handed over to this run`);
    }
    // Histories recorded before the confirmation replay without it.
    if (!patched('confirmed-task-finished')) return this.finished(reported);
    const confirmed = await confirmTaskOutcome({
      taskId,
      workflowId: this.childIdOf(taskId),
      waitSeconds: 20,
      ...this.executionOf(taskId),
    });
    if (!confirmed.closed) {
      return void refuse('taskFinished', raw, `task workflow of "${taskId}" has not ended`);
    }
    this.finished(confirmed.outcome);
  }

  /** Starts a task as a child workflow and books its end. */
  async start(taskId: string): Promise<void> {
    const { ledger, runId, input, constraints } = this.run;
    const task = ledger.spec(taskId);
    // A retried task's new attempt: the person's word, the failed attempt's last verdict, its own round limit.
    const retry = ledger.tasks.get(taskId)?.retry;
    // Histories recorded before leases replay without them: a lease changes which shortfalls reach the run.
    const lease = patched('task-credit-leases') ? ledger.lendTo(taskId) : 0;
    let outcome: TaskOutcome;
    try {
      this.progressed = true;
      this.pendingStarts++;
      const handle = await startChild(taskWorkflow, {
        workflowId: this.childIdOf(taskId),
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
            maxReviewRounds: retry?.rounds ?? input.maxReviewRounds,
            reviewPanelSize: input.reviewPanelSize,
            escalateAfterFailedRounds: input.escalateAfterFailedRounds,
            ...(constraints.length > 0 ? { constraints } : {}),
            ...(input.escalationModel ? { escalationModel: input.escalationModel } : {}),
            ...(input.approvalTimeoutSeconds !== undefined
              ? { approvalTimeoutSeconds: input.approvalTimeoutSeconds }
              : {}),
            ...(ledger.workspace && input.workspace
              ? { workspace: taskWorkspace(ledger.workspace.opened, task, input.workspace, retry?.fromBase) }
              : {}),
            ...(retry ? { retry } : {}),
          },
        ],
      }).finally(() => this.pendingStarts--);
      // A retried task's id names several executions: the run reads this attempt's by its run id.
      const view = ledger.tasks.get(taskId);
      if (retry && view) view.executionRunId = handle.firstExecutionRunId;
      outcome = await handle.result();
    } catch (err) {
      outcome = outcomeFromFailureCause(
        taskId,
        err instanceof ChildWorkflowFailure ? err.cause : err,
        taskOutputRef(runId, taskId),
      );
    }
    this.finished(outcome);
  }
}
