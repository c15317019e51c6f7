import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentLoopActivities } from '../../activities/agent-loop';
import { INVALID_PLAN } from '../../domain/errors';
import type { Plan, TaskSpec } from '../../domain/plan';
import { planPolicyProblems, taskPolicy } from '../../domain/plan-policy';
import type { RunWait } from '../../domain/run-wait';
import {
  integrationChecks,
  type IntegrationResult,
  type OpenedWorkspace,
  type RunWorkspaceInput,
} from '../../domain/run-workspace';
import {
  DEFAULT_WORKSPACE_WAIT_NOTICE_SECONDS,
  noWorkspaceWorkerWarning,
  workspaceQueueOf,
} from '../../domain/task-queues';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import type { TaskWorkspaceInput } from '../task/acting-task';

/**
 * The run's side of its workspace: open it once at the start (recorded in history), check the plan against its
 * policy, hand each task its part, and integrate the tasks' branches at the end.
 */

/** Options of the activities any workspace worker may run (the shared workspace queue). */
const sharedOptions = (summary: string, startToCloseTimeout = '30 minutes') => ({
  taskQueue: workspaceQueueOf(workflowInfo().taskQueue),
  startToCloseTimeout,
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
  summary,
});

const workspaceActivities = () => proxyActivities<AgentLoopActivities>(sharedOptions(''));

export async function openWorkspace(runId: string, workspace: RunWorkspaceInput): Promise<OpenedWorkspace> {
  return workspaceActivities().openRunWorkspace.executeWithOptions(
    sharedOptions(`open workspace ${workspace.repo ?? '(new repository)'}`),
    [{ runId, workspace }],
  );
}

/**
 * Opens the run's workspace, and when no worker has taken the work after a while, says so through `onWait` (the
 * run's status and the webhook) and goes on waiting: a worker may start any moment, and a rolling deploy must not
 * fail runs. `onWait(undefined)` once the wait is over.
 */
export async function openWorkspaceVisibly(
  runId: string,
  workspace: RunWorkspaceInput,
  onWait: (wait: RunWait | undefined) => Promise<void>,
): Promise<OpenedWorkspace> {
  const opening = openWorkspace(runId, workspace);
  // Histories recorded before the notice replay without its timer.
  if (!patched('workspace-wait-notice')) return opening;
  let settled = false;
  opening.then(
    () => (settled = true),
    () => (settled = true),
  );
  const seconds = workspace.workerWaitNoticeSeconds ?? DEFAULT_WORKSPACE_WAIT_NOTICE_SECONDS;
  if (await condition(() => settled, seconds * 1000)) return opening;
  const { taskQueue } = workflowInfo();
  await onWait({
    what: 'workspace_worker',
    queue: workspaceQueueOf(taskQueue),
    since: new Date().toISOString(),
    text: `nothing took the opening of the run's workspace in ${seconds} s: ${noWorkspaceWorkerWarning(taskQueue)}`,
  });
  try {
    return await opening;
  } finally {
    await onWait(undefined);
  }
}

/** Fails the run before any task starts when a task of the plan would widen the run's policy. */
export function checkPlanPolicy(policy: WorkspacePolicy, plan: Plan): void {
  const problems = planPolicyProblems(policy, plan);
  if (problems.length > 0) {
    throw ApplicationFailure.create({
      type: INVALID_PLAN,
      message: `the plan does not fit the run's workspace policy: ${problems.join('; ')}`,
      nonRetryable: true,
    });
  }
}

/** What a task gets of the workspace; its dependencies all succeeded (a failed one skips it). */
export function taskWorkspace(
  opened: OpenedWorkspace,
  task: TaskSpec,
  input: RunWorkspaceInput,
  fromBase?: boolean,
): TaskWorkspaceInput {
  const narrowed = taskPolicy(opened.policy, task);
  // Checked for the whole plan at its start (checkPlanPolicy); a failure here is a bug.
  if (!narrowed.ok) throw new Error(`task ${task.id}: ${narrowed.errors.join('; ')}`);
  return {
    remote: opened.remote,
    base: opened.base,
    policy: narrowed.policy,
    dependencies: task.deps,
    workerTimeoutSeconds: input.workerTimeoutSeconds,
    ...(input.setup.length > 0 ? { setup: input.setup } : {}),
    ...(input.continueAfterEvents ? { continueAfterEvents: input.continueAfterEvents } : {}),
    ...(opened.mcpTools?.length ? { mcpTools: opened.mcpTools } : {}),
    ...(fromBase ? { fromBase } : {}),
  };
}

/**
 * Merges the succeeded tasks' branches and runs, on the merge, the run's checks and every merged task's: the run's
 * result branch, or why there is none. The activity may take as long as every check at its limit, and more.
 */
export function integrateRun(
  runId: string,
  opened: OpenedWorkspace,
  succeeded: readonly TaskSpec[],
  setup: string[],
): Promise<IntegrationResult> {
  const checks = integrationChecks(opened.policy.verify, succeeded);
  const minutes = 60 + Math.ceil((checks.length * opened.policy.commandTimeoutSeconds) / 60);
  const taskIds = succeeded.map((t) => t.id);
  return workspaceActivities().integrateRun.executeWithOptions(
    sharedOptions(`integrate ${taskIds.length} task(s)`, `${minutes} minutes`),
    [{ runId, remote: opened.remote, base: opened.base, taskIds, policy: opened.policy, setup, checks }],
  );
}

/** An integration that could not run at all (the repository refused, a setup command failed), as its result. */
export function integrationError(err: unknown): IntegrationResult {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return {
    ok: false,
    reason: 'error',
    message: `integration failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    conflicts: [],
  };
}
