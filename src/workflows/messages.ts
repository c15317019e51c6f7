import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApproveBudget, BudgetAnswer, CreditDecision, CreditRequest, DenyBudget } from '../domain/approvals';
import type { Plan } from '../domain/plan';
import type { ApprovalDecision, PendingApproval, RunView, TaskOutcome, TaskStatus } from '../domain/run';
import type { FinishRun, HoldAnswer, RetryTasksInput } from '../domain/task-failures';
import type { TaskProgress } from '../domain/task-progress';
import type {
  ApproveToolCall,
  DenyToolCall,
  ToolCallAnswer,
  ToolCallDecision,
  ToolCallQuotaRequest,
  ToolCallRequest,
} from '../domain/tool-approvals';
import type { ToolCallQuotaAnswer } from '../domain/tool-call-quota';

/**
 * Signals and queries, shared by workflows and clients. Each wire name equals the identifier without its kind suffix,
 * so `temporal workflow signal --name approveBudget` and `approveBudgetSignal` are the same thing.
 */

/** A person grants credits to a waiting task: `{ taskId, credits, by?, note? }`. */
export const approveBudgetSignal = defineSignal<[ApproveBudget]>('approveBudget');
/** A person refuses credits to a waiting task: `{ taskId, reason, by? }`. */
export const denyBudgetSignal = defineSignal<[DenyBudget]>('denyBudget');
/**
 * The same decisions as Updates: the caller waits for the run's answer (accepted, or refused with the reason). The
 * CLI uses these; the signals stay for `temporal workflow signal`. A refused update is recorded like a refused signal.
 */
export const approveBudgetUpdate = defineUpdate<BudgetAnswer, [ApproveBudget]>('approveBudget');
export const denyBudgetUpdate = defineUpdate<BudgetAnswer, [DenyBudget]>('denyBudget');
/** A task workflow tells its run that it cannot afford its next call. */
export const requestCreditsSignal = defineSignal<[CreditRequest]>('requestCredits');
/**
 * A task inherited across a continue-as-new reports its outcome to the run with this signal: its completion event
 * would go to the run that started it, which has closed. Addressed by workflow id, it reaches the current run.
 */
export const taskFinishedSignal = defineSignal<[TaskOutcome]>('taskFinished');
/** The run that continued as new tells an inherited task to report to it by `taskFinished`. */
export const reportToRunSignal = defineSignal('reportToRun');
/** The run answers a task's credit request. */
export const creditDecisionSignal = defineSignal<[CreditDecision]>('creditDecision');

/** A person lets a waiting tool call run: `{ requestId, by?, note? }`. */
export const approveToolCallSignal = defineSignal<[ApproveToolCall]>('approveToolCall');
/** A person refuses a waiting tool call: `{ requestId, reason, by? }`; the agent reads the reason. */
export const denyToolCallSignal = defineSignal<[DenyToolCall]>('denyToolCall');
/** The same as Updates: the caller waits for the run's answer. */
export const approveToolCallUpdate = defineUpdate<ToolCallAnswer, [ApproveToolCall]>('approveToolCall');
export const denyToolCallUpdate = defineUpdate<ToolCallAnswer, [DenyToolCall]>('denyToolCall');
/** A task tells its run that a call waits for a person. */
export const requestToolCallSignal = defineSignal<[ToolCallRequest]>('requestToolCall');
/** The run answers a task's tool-call request. */
export const toolCallDecisionSignal = defineSignal<[ToolCallDecision]>('toolCallDecision');
/** A task asks its run for a share of the run-wide tool-call limit. */
export const requestToolCallQuotaSignal = defineSignal<[ToolCallQuotaRequest]>('requestToolCallQuota');
/** The run answers with what it grants (0: the limit is used up). */
export const toolCallQuotaSignal = defineSignal<[ToolCallQuotaAnswer]>('toolCallQuota');

/**
 * A person runs failed tasks again (`{ taskIds, feedback?, credits?, rounds?, fromBase?, by?, decisionId? }`): they and
 * their skipped dependents go back to pending. As an Update the caller gets the run's answer; the signal is the
 * fallback under the same decision id when no worker answers, and what `temporal workflow signal` sends.
 */
export const retryTasksUpdate = defineUpdate<HoldAnswer, [RetryTasksInput]>('retryTasks');
export const retryTasksSignal = defineSignal<[RetryTasksInput]>('retryTasks');
/** A person ends a holding run with what it has: `{ reason?, by?, decisionId? }`. */
export const finishRunUpdate = defineUpdate<HoldAnswer, [FinishRun]>('finishRun');
export const finishRunSignal = defineSignal<[FinishRun]>('finishRun');

/** Run status: every task's state, credits, rounds and verdicts, pending approvals and decisions. */
export const statusQuery = defineQuery<RunView>('status');
/** The validated plan, once there is one. */
export const planQuery = defineQuery<Plan | null>('plan');
/** Every task's state by id: compact, so that it answers for all 5,000 tasks of a large run (`status` does not). */
export const taskStatesQuery = defineQuery<Record<string, TaskStatus>>('taskStates');
/** Tasks of the run waiting for a person. */
export const pendingApprovalsQuery = defineQuery<PendingApproval[]>('pendingApprovals');
/** Every budget decision so far. */
export const ledgerQuery = defineQuery<ApprovalDecision[]>('ledger');
/** Live progress of one task workflow. */
export const taskProgressQuery = defineQuery<TaskProgress>('taskProgress');
