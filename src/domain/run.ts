import { z } from 'zod';
import { ApprovalSuggestion } from './approval-suggestion';
import { RefusedMessages } from './approvals';
import { MAX_CONCURRENCY, MAX_GOAL_CHARS, MAX_REVIEW_ROUNDS } from './limits';
import { Plan } from './plan';
import { RunMetrics } from './run-metrics';
import { RunWait } from './run-wait';
import { RunWorkspaceInput, RunWorkspaceView, TaskWork } from './run-workspace';
import { HoldDecision, OnTaskFailure, RetryDirective, RunHold, TaskAttempt } from './task-failures';
import { ToolCallRequest } from './tool-approvals';

/** One entry of a run's approver list (see src/domain/approvers.ts). */
export const ApproverRule = z
  .object({
    approver: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('A person\'s name, or "group:<name>" for anyone whose front end says they belong to that group'),
    maxCredits: z.number().positive().optional().describe('The largest single approval this entry allows; unset: any'),
  })
  .strict();
export type ApproverRule = z.infer<typeof ApproverRule>;

/** Input of `goalWorkflow`. Plain JSON, so `temporal workflow start --input '{"goal":"..."}'` works as is. */
export const GoalInput = z.object({
  goal: z.string().trim().min(1).max(MAX_GOAL_CHARS).describe('What the run should achieve'),
  constraints: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('Constraints the planner and agents must respect (one string or a list)'),
  budgetCredits: z.number().positive().max(1e9).default(100).describe('Credits the run may spend without approval'),
  maxConcurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(4).describe('Most tasks running at once'),
  plan: Plan.optional().describe('A reviewed plan to execute; when absent the planner agent writes one'),
  failFast: z.boolean().default(false).describe('Stop starting tasks at the first failed task'),
  onTaskFailure: OnTaskFailure.optional().describe(
    'What the run does when a task fails for good; the client always writes it. Absent (runs started before it): stop with failFast, else finish',
  ),
  holdTimeoutSeconds: z
    .number()
    .positive()
    .optional()
    .describe('How long a holding run waits for a person before it finishes with what it has; default 7 days'),
  reservePercent: z
    .number()
    .min(0)
    .max(90)
    .default(20)
    .describe('Share of the budget kept as a contingency pool for shortfalls, in percent'),
  autoApproveCredits: z
    .number()
    .min(0)
    .default(10)
    .describe('Shortfalls up to this many credits are granted from the pool without asking a person; 0 always asks'),
  approvalTimeoutSeconds: z
    .number()
    .positive()
    .optional()
    .describe('A task waiting longer than this for approval fails; unset waits forever'),
  maxReviewRounds: z
    .number()
    .int()
    .min(1)
    .max(MAX_REVIEW_ROUNDS)
    .default(3)
    .describe('Implement-and-review rounds before a task fails with the last verdict'),
  reviewPanelSize: z
    .number()
    .int()
    .min(1)
    .max(7)
    .default(3)
    .describe('Reviewers judging tasks marked critical; the majority verdict wins'),
  escalationModel: z
    .string()
    .min(1)
    .optional()
    .describe('Stronger model the implementer switches to after repeated review failures'),
  approvers: z
    .array(ApproverRule)
    .max(100)
    .optional()
    .describe('Who may approve or deny credits, fixed at start; unset: anyone who may signal or update the namespace'),
  escalateAfterFailedRounds: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('Failed review rounds before switching to escalationModel'),
  workspace: RunWorkspaceInput.optional(),
});
export type GoalInput = z.infer<typeof GoalInput>;
/** Goal input as a caller writes it, defaults not yet applied. */
export type GoalInputJson = z.input<typeof GoalInput>;

export const TaskStatus = z
  .enum(['pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'skipped', 'cancelled'])
  .describe('Where a task stands in the run');
export type TaskStatus = z.infer<typeof TaskStatus>;

export const RunStatus = z
  .enum(['planning', 'running', 'holding', 'succeeded', 'partial', 'failed', 'cancelled'])
  .describe(
    'holding: a task failed and nothing else can run, the run waits for a person; succeeded: every task did; partial: some did, some failed or were skipped; failed: none did',
  );
export type RunStatus = z.infer<typeof RunStatus>;

export const Verdict = z.enum(['PASS', 'FAIL']).describe('Reviewer decision');
export type Verdict = z.infer<typeof Verdict>;

/**
 * Where a task's full output is. A discriminated union so that later kinds (a git commit or branch of the run's
 * repository) can stand beside today's: the history of the task's own workflow. Built by src/domain/task-address.ts.
 */
export const OutputRef = z
  .object({
    kind: z
      .literal('taskHistory')
      .describe("The output is the last implementation result in a task workflow's history"),
    workflowId: z.string().describe('Workflow id of the task workflow (<runId>/<taskId>)'),
  })
  .describe("Where a task's full output is kept");
export type OutputRef = z.infer<typeof OutputRef>;

/** What a task workflow returns to its parent. Small on purpose: it is stored in the parent's history. */
export const TaskOutcome = z.object({
  taskId: z.string().describe('Task id'),
  status: z.enum(['succeeded', 'failed', 'cancelled']).describe('Final state of the task'),
  summary: z.string().describe('Bounded summary of the output, handed to dependents as context'),
  error: z.string().optional().describe('Why the task failed'),
  failureType: z.string().optional().describe('Failure type constant when the task failed'),
  reviewRounds: z.number().int().describe('Implement-and-review rounds used'),
  modelCalls: z.number().int().describe('Model calls made, including rejected and failed ones'),
  spentMillicredits: z.number().int().describe('Credits spent by the task, in thousandths'),
  grantedMillicredits: z.number().int().describe('Extra credits approved for the task, in thousandths'),
  lastVerdict: Verdict.optional().describe('Verdict of the last review'),
  outputRef: OutputRef.describe('Where the full output is (runs before this field had a kind wrote a workflow id)'),
  work: TaskWork.optional().describe("What the task left in the run's repository (runs with a workspace)"),
  toolCalls: z
    .number()
    .int()
    .optional()
    .describe('Tool calls the task made, finish not counted (acting tasks); settles its share of the run-wide limit'),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

export const ApprovalDecision = z.object({
  taskId: z.string().describe('Task the decision is about'),
  decision: z
    .enum(['approved', 'denied', 'auto-approved', 'timed-out', 'rejected', 'duplicate'])
    .describe('What was decided; "duplicate": a decision id the run had already taken, which changed nothing'),
  millicredits: z.number().int().describe('Credits granted, in thousandths (0 when denied)'),
  by: z.string().describe('Who decided: a person, "auto" for the contingency pool, or "timer"'),
  note: z.string().optional().describe('Why, as given by the person or the run'),
  at: z.string().describe('ISO time of the decision (workflow time)'),
  decisionId: z.string().optional().describe("The id the person's client gave the decision, when it gave one"),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const PendingApproval = z.object({
  taskId: z.string().describe('Task waiting for credits'),
  shortfallMillicredits: z.number().int().describe('Credits still missing for its next model call, in thousandths'),
  since: z.string().describe('ISO time the task started waiting'),
  requestId: z.string().optional().describe("The task's id for this request; the run's answer carries it"),
  suggestion: ApprovalSuggestion.optional().describe(
    "Credits to suggest to the approver, from the task's progress: added by the client library, never by the run",
  ),
});
export type PendingApproval = z.infer<typeof PendingApproval>;

export const TaskView = z.object({
  id: z.string().describe('Task id'),
  title: z.string().describe('Task title'),
  agentType: z.string().describe('Agent type'),
  status: TaskStatus,
  deps: z.array(z.string()).describe('Dependencies'),
  allocatedMillicredits: z.number().int().describe('Initial allocation, in thousandths of a credit'),
  grantedMillicredits: z.number().int().describe('Approved top-ups, in thousandths of a credit'),
  leasedMillicredits: z
    .number()
    .int()
    .optional()
    .describe('Credits lent from the pool at start, spendable without asking; the part used is booked as granted'),
  spentMillicredits: z.number().int().describe('Spent so far (known when the task ends), in thousandths'),
  reviewRounds: z.number().int().describe('Review rounds used'),
  modelCalls: z.number().int().describe('Model calls made'),
  lastVerdict: Verdict.optional(),
  summary: z.string().optional().describe('Output summary once succeeded'),
  error: z.string().optional().describe('Failure or skip reason'),
  startedAt: z.string().optional().describe('ISO start time'),
  finishedAt: z.string().optional().describe('ISO end time (for a skipped task: when it was skipped)'),
  workflowId: z.string().describe('Child workflow id (<runId>/<taskId>)'),
  work: TaskWork.optional().describe("What the task left in the run's repository, once it succeeded"),
  attempt: z.number().int().optional().describe('Attempt number of the task when it was retried (absent: the first)'),
  attempts: z
    .array(TaskAttempt)
    .optional()
    .describe("Earlier attempts of a retried task; the credits fields above are the current attempt's"),
  retry: RetryDirective.optional().describe('What the current attempt was given by the retry that started it'),
  executionRunId: z
    .string()
    .optional()
    .describe("A retried task: the first run id of its current attempt's execution (its workflow id names several)"),
});
export type TaskView = z.infer<typeof TaskView>;

export const RunView = z.object({
  runId: z.string().describe('Workflow id of the run'),
  goal: z.string().describe('Goal of the run'),
  status: RunStatus,
  budgetMillicredits: z.number().int().describe('Run budget, in thousandths of a credit'),
  approvedExtraMillicredits: z.number().int().describe('Credits approved beyond the budget, in thousandths'),
  poolMillicredits: z.number().int().describe('Contingency pool left, in thousandths'),
  spentMillicredits: z.number().int().describe('Spent by finished tasks and planning, in thousandths'),
  counts: z.record(z.string(), z.number()).describe('Number of tasks per status'),
  tasks: z
    .array(TaskView)
    .describe('Every task; above MAX_TASKS_IN_VIEW tasks, only those that did not succeed (payload limits)'),
  omittedSucceededTasks: z
    .number()
    .int()
    .optional()
    .describe('Succeeded tasks left out of `tasks` in a large run; their state is in their own workflows'),
  omittedPendingTasks: z
    .number()
    .int()
    .optional()
    .describe('Tasks not started yet left out of `tasks` in a large run (the taskStates query lists every state)'),
  pendingApprovals: z.array(PendingApproval).describe('Tasks waiting for a person'),
  pendingToolCalls: z
    .array(ToolCallRequest.extend({ since: z.string().describe('ISO time the call started waiting') }))
    .optional()
    .describe('Tool calls waiting for a person (MCP tools marked requiresApproval)'),
  decisions: z.array(ApprovalDecision).describe('Every budget decision, in order'),
  refused: RefusedMessages.optional().describe('Signals and updates the run refused (forged or malformed), bounded'),
  metrics: RunMetrics.describe('Rounds, calls, credits, throughput and durations over every task, also unlisted ones'),
  startedAt: z.string().describe('ISO start time'),
  finishedAt: z.string().optional().describe('ISO end time'),
  workspace: RunWorkspaceView.optional().describe("The run's repository and result branch (runs with a workspace)"),
  waitingFor: RunWait.optional().describe('What the run waits for that only an operator can give (a worker), if any'),
  holding: RunHold.optional().describe('While the run holds for a person: since when, until when, and what failed'),
  holdDecisions: z
    .array(HoldDecision)
    .optional()
    .describe('Every decision about failed tasks (retries, finishes, refusals), in order'),
});
export type RunView = z.infer<typeof RunView>;
