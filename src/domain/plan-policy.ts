import type { Plan, TaskSpec } from './plan';
import { isCommandAllowed, narrowPolicy, type NarrowResult } from './workspace-policy';
import type { WorkspacePolicy } from './workspace-policy-schema';

/**
 * A plan against a run's workspace policy: a task's `allowPaths` and `verify` may only narrow it. One function for the
 * run (which fails before any task starts) and for the CLI (which refuses before anything starts, naming the flag).
 */

/** The run's policy as one task may use it: its plan entry may only narrow it. */
export function taskPolicy(policy: WorkspacePolicy, task: TaskSpec): NarrowResult {
  return narrowPolicy(policy, {
    ...(task.allowPaths ? { allowPaths: task.allowPaths } : {}),
    ...(task.verify ? { verify: task.verify } : {}),
  });
}

/** Every way the plan's tasks would widen the policy, one line each, `task <id>: …`; [] when it fits. */
export function planPolicyProblems(policy: WorkspacePolicy, plan: Pick<Plan, 'tasks'>): string[] {
  return plan.tasks.flatMap((task) => {
    const narrowed = taskPolicy(policy, task);
    return narrowed.ok ? [] : narrowed.errors.map((e) => `task ${task.id}: ${e}`);
  });
}

/**
 * The flags that would make the plan fit, for a person starting it: `--command "<verify>"` for each check the run does
 * not allow, `--allow "<glob>"` for each path a task writes beyond the run's. Empty when none would (or it fits).
 */
export function flagsThatFit(policy: WorkspacePolicy, plan: Pick<Plan, 'tasks'>): string[] {
  const flags = new Set<string>();
  for (const task of plan.tasks) {
    if (taskPolicy(policy, task).ok) continue;
    for (const command of task.verify ?? []) {
      if (!isCommandAllowed(policy, command).ok) flags.add(`--command ${JSON.stringify(command)}`);
    }
    for (const glob of task.allowPaths ?? []) {
      if (!taskPolicy(policy, { ...task, verify: [], allowPaths: [glob] }).ok)
        flags.add(`--allow ${JSON.stringify(glob)}`);
    }
  }
  return [...flags];
}
