import type { Client } from '@temporalio/client';
import { toMillicredits } from '../domain/credits';
import type { Plan } from '../domain/plan';
import type { RunStatus, RunView, TaskStatus, TaskView } from '../domain/run';
import { runMetrics } from '../domain/run-metrics';
import { taskWorkflowId } from '../domain/task-address';
import type { ExecutionFacts } from './run-history';

/** Most task workflows described to learn how tasks ended that their run never booked (it closed first). */
const MAX_DESCRIBED_TASKS = 50;

/**
 * The view of a run that closed without a result (failed, terminated, timed out, cancelled), rebuilt from its
 * histories: the plan's tasks with the ends the run booked, the state of tasks it started but never heard back from
 * (their workflows outlive the run), and the credits booked. Budget decisions and rounds are not in the run's history,
 * so they stay empty and zero.
 */
export async function viewFromHistory(args: {
  client: Client;
  runId: string;
  chain: readonly ExecutionFacts[];
  plan: Plan | undefined;
  cancelled: boolean;
  finishedAt: string | undefined;
}): Promise<RunView> {
  const { runId, chain, plan } = args;
  const input = chain[0]?.input;
  const starts = new Map(chain.flatMap((f) => [...f.starts]));
  const ends = new Map(chain.flatMap((f) => [...f.ends]).reverse());
  const unbooked = [...starts.keys()].filter((id) => !ends.has(id));
  const described = new Map<string, TaskStatus>();
  if (unbooked.length <= MAX_DESCRIBED_TASKS) {
    await Promise.all(
      unbooked.map(async (taskId) => {
        const status = await args.client.workflow
          .getHandle(taskWorkflowId(runId, taskId))
          .describe()
          .then((d) => d.status.name)
          .catch(() => undefined);
        if (status) described.set(taskId, taskStatusOf(status));
      }),
    );
  }
  const tasks: TaskView[] = (plan?.tasks ?? []).map((t) => {
    const end = ends.get(t.id);
    const startedAt = starts.get(t.id);
    return {
      id: t.id,
      title: t.title,
      agentType: t.agentType,
      status: end?.status ?? described.get(t.id) ?? (startedAt ? 'running' : 'pending'),
      deps: t.deps,
      allocatedMillicredits: 0,
      grantedMillicredits: 0,
      spentMillicredits: end?.millicredits ?? 0,
      reviewRounds: 0,
      modelCalls: 0,
      ...(startedAt ? { startedAt } : {}),
      ...(end ? { finishedAt: end.at } : {}),
      workflowId: taskWorkflowId(runId, t.id),
    };
  });
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const planning = chain.reduce((n, f) => n + (f.planning?.millicredits ?? 0), 0);
  const status: RunStatus = args.cancelled ? 'cancelled' : (counts.succeeded ?? 0) > 0 ? 'partial' : 'failed';
  return {
    runId,
    goal: input?.goal ?? plan?.goal ?? '',
    status,
    budgetMillicredits: toMillicredits(input?.budgetCredits ?? 100),
    approvedExtraMillicredits: 0,
    poolMillicredits: 0,
    spentMillicredits: tasks.reduce((n, t) => n + t.spentMillicredits, planning),
    counts,
    tasks,
    pendingApprovals: [],
    decisions: [],
    metrics: runMetrics(tasks),
    startedAt: chain[0]?.startedAt ?? new Date(0).toISOString(),
    ...(args.finishedAt ? { finishedAt: args.finishedAt } : {}),
  };
}

function taskStatusOf(workflowStatus: string): TaskStatus {
  if (workflowStatus === 'RUNNING') return 'running';
  if (workflowStatus === 'COMPLETED') return 'succeeded';
  if (workflowStatus === 'CANCELLED') return 'cancelled';
  return 'failed';
}
