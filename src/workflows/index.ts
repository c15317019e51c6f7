/**
 * The workflow bundle's single entry: everything registered with the worker.
 *
 * The worker evaluates this module, and every module it imports statically, once per workflow execution: the SDK's
 * reusable sandbox keeps module state per workflow. So what a task workflow imports is paid for by every task. Task
 * workflows import nothing that loads zod (`test/unit/workflow-imports.test.ts` checks it); the run and the dry run
 * need zod to validate their input, and load their modules on first call instead, once per run.
 */
import type * as Goal from './run/goal-workflow';
import type * as DryRun from './run/plan-workflow';

export { taskWorkflow } from './task/task-workflow';

export async function goalWorkflow(
  ...args: Parameters<typeof Goal.goalWorkflow>
): Promise<Awaited<ReturnType<typeof Goal.goalWorkflow>>> {
  // "eager" keeps the module in the one bundle file; it is still evaluated only here, on first call.
  const goal = await import(/* webpackMode: "eager" */ './run/goal-workflow.js');
  return goal.goalWorkflow(...args);
}

export async function planWorkflow(
  ...args: Parameters<typeof DryRun.planWorkflow>
): Promise<Awaited<ReturnType<typeof DryRun.planWorkflow>>> {
  const dryRun = await import(/* webpackMode: "eager" */ './run/plan-workflow.js');
  return dryRun.planWorkflow(...args);
}
