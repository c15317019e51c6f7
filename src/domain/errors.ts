/**
 * Failure types carried by `ApplicationFailure.type`. They are the contract between activities, workflows, the CLI and
 * anyone reading a history, so they are exported constants and never spelled inline.
 */

// The user's input or configuration is wrong: never retried; the message says what to fix.
export const INVALID_INPUT = 'Planwright.InvalidInput';
export const INVALID_PLAN = 'Planwright.InvalidPlan';
export const BUDGET_TOO_SMALL = 'Planwright.BudgetTooSmall';
/** A task names an agent type the worker's configuration does not define (the plan was checked against another). */
export const UNKNOWN_AGENT_TYPE = 'Planwright.Config.UnknownAgentType';

// The model misbehaved: the output did not match the schema even after a repair round.
export const MODEL_OUTPUT_INVALID = 'Planwright.Model.OutputInvalid';

// The provider refused or failed. Retryable ones are retried by Temporal's retry policy.
export const MODEL_RATE_LIMITED = 'Planwright.Model.RateLimited';
export const MODEL_TIMEOUT = 'Planwright.Model.Timeout';
export const MODEL_CONFLICT = 'Planwright.Model.Conflict';
export const MODEL_SERVER_ERROR = 'Planwright.Model.ServerError';
export const MODEL_CONNECTION_ERROR = 'Planwright.Model.ConnectionError';
export const MODEL_AUTHENTICATION = 'Planwright.Model.Authentication';
export const MODEL_PERMISSION_DENIED = 'Planwright.Model.PermissionDenied';
export const MODEL_BAD_REQUEST = 'Planwright.Model.BadRequest';
export const MODEL_NOT_FOUND = 'Planwright.Model.NotFound';
export const MODEL_REFUSAL = 'Planwright.Model.Refusal';
export const MODEL_CONTEXT_LENGTH = 'Planwright.Model.ContextLengthExceeded';
/** A stream went silent for longer than its limit (streamIdleTimeoutMs / streamFirstTokenTimeoutMs); retried. */
export const MODEL_STREAM_STALLED = 'Planwright.Model.StreamStalled';

/** Provider failures that no retry of the same request can fix. */
export const NON_RETRYABLE_MODEL_FAILURES = [
  MODEL_OUTPUT_INVALID,
  MODEL_AUTHENTICATION,
  MODEL_PERMISSION_DENIED,
  MODEL_BAD_REQUEST,
  MODEL_NOT_FOUND,
  MODEL_REFUSAL,
  MODEL_CONTEXT_LENGTH,
  INVALID_INPUT,
  UNKNOWN_AGENT_TYPE,
] as const;

// Outcomes of a task that are decided by the run, not by the model or provider.
export const TASK_REVIEW_FAILED = 'Planwright.Task.ReviewFailed';
export const TASK_BUDGET_DENIED = 'Planwright.Task.BudgetDenied';
export const TASK_APPROVAL_TIMEOUT = 'Planwright.Task.ApprovalTimeout';
/** The task's dependencies' branches conflict when merged: the task cannot start from them. */
export const TASK_MERGE_CONFLICT = 'Planwright.Task.MergeConflict';
/** A task moved between workers more often than a task can: the workers keep dying or losing their network. */
export const TASK_TOO_MANY_MOVES = 'Planwright.Task.TooManyMoves';
/** A task needed another round but its tool calls (its own limit, or the run's) are used up. */
export const TASK_TOOL_CALL_LIMIT = 'Planwright.Task.ToolCallLimit';
/** The conversation of an acting agent is not on the worker asked (it restarted): the task moves and rebuilds it. */
export const AGENT_CONTEXT_LOST = 'Planwright.Agent.ContextLost';

// The notification webhook could not take a message: retried a few times when it may recover, then logged.
export const NOTIFY_UNAVAILABLE = 'Planwright.Notify.Unavailable';
export const NOTIFY_REJECTED = 'Planwright.Notify.Rejected';
