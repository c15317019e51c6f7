/**
 * Planwright's client library: what any front end does against Temporal. The CLI (src/cli/) and, later, the dashboard
 * import it; neither talks to Temporal another way. Every function takes a connected `Client` (see connectClient),
 * which carries the one data converter (src/infra/data-converter.ts).
 */
export { connectClient, resolveTemporalTarget, type TemporalTarget } from './infra/connection';
export {
  approveBudget,
  approveToolCall,
  denyBudget,
  denyToolCall,
  listWaiting,
  listWaitingTasks,
  pendingApprovalsOf,
  withSuggestions,
} from './client/approvals';
export type { ApprovalRequest, Delivered, DenialRequest, WaitingTask, WaitingToolCall } from './client/approvals';
export { estimatePlan, type PlanEstimate } from './client/estimate';
export { finishRun, retryTasks } from './client/task-failures';
export {
  checkListableStatus,
  LISTABLE_STATUSES,
  listRuns,
  type ListRunsOptions,
  type RunProgress,
  type RunRow,
} from './client/list-runs';
export { planGoal, planLocally, type PlanGoalOptions } from './client/plan';
export { ensureWorkerPolling, followRun, getRunView, newRunId, startRun } from './client/runs';
export { workspacePollers } from './client/runs';
export { noWorkspaceWorkerWarning } from './domain/task-queues';
export { readTaskOutput, TaskActedError } from './client/task-output';
export { readRunDetails, readRunPlan, type DetailsOptions } from './client/run-details';
export { readTaskDetails } from './client/task-details';
export { taskOutputRef, taskWorkflowId } from './domain/task-address';
export { checkoutWork, checkWorkspaceInput, diffWork, workRange, type WorkRange } from './client/run-workspace';
