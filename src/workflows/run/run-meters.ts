import { metricMeter } from '@temporalio/workflow';
import type { ApprovalDecision, RunStatus, TaskView } from '../../domain/run';

/**
 * A run's metrics, beside the model-call metrics of the activities: tasks ended by agent type and status, how long
 * they took, budget decisions, runs ended. Emitted through the workflow's meter, which the SDK silences while a
 * workflow replays, so a task is counted once however often its run is replayed. Exported only when the worker runs
 * with a metrics exporter. Low-cardinality tags only; ids stay in the history.
 */
export class RunMeters {
  private readonly tasksEnded = metricMeter.createCounter(
    'planwright_tasks_ended',
    'tasks',
    'Tasks that ended, by agent type and status (succeeded, failed, cancelled, skipped)',
  );
  private readonly taskDuration = metricMeter.createHistogram(
    'planwright_task_duration',
    'int',
    'ms',
    'Time from a task starting to its end, approval waits included',
  );
  private readonly decisions = metricMeter.createCounter(
    'planwright_budget_decisions',
    'decisions',
    'Budget decisions: approved, denied, auto-approved, timed-out, rejected',
  );
  private readonly runsEnded = metricMeter.createCounter('planwright_runs_ended', 'runs', 'Runs that ended, by status');

  /** @param decisionsCounted decisions an earlier run of this workflow already counted (before continue-as-new) */
  constructor(private decisionsCounted: number) {}

  taskEnded(task: TaskView | undefined): void {
    if (!task) return;
    this.tasksEnded.add(1, { agent_type: task.agentType, status: task.status });
    if (task.startedAt && task.finishedAt) {
      const ms = Date.parse(task.finishedAt) - Date.parse(task.startedAt);
      this.taskDuration.record(Math.max(0, ms), { agent_type: task.agentType, status: task.status });
    }
  }

  /** Counts the decisions appended since the last call. */
  newDecisions(all: readonly ApprovalDecision[]): void {
    for (const d of all.slice(this.decisionsCounted)) this.decisions.add(1, { decision: d.decision });
    this.decisionsCounted = all.length;
  }

  runEnded(status: RunStatus): void {
    this.runsEnded.add(1, { status });
  }
}
