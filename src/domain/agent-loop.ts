import type { McpToolInfo } from './mcp';
import type { TaskSpec } from './plan';
import type { DependencyContext, RoundFeedback } from './prompts';
import type { ToolCall, ToolResult } from './tool-schemas';
import type { Checkout } from './workspace';
import type { WorkspacePolicy } from './workspace-policy-schema';

/**
 * The shapes of an agent's tool loop that cross the workflow/activity boundary, zod-free so the task workflow can
 * load them. The conversation itself (the transcript) never crosses it: it is a cache on the worker holding the
 * task's checkout (src/activities/agent-loop), and history holds only each step's bounded summary.
 */

/** A call the model made, as the provider sent it: arguments are JSON text, parsed by parseToolCall. */
export interface RawToolCall {
  /** The provider's id for the call (Chat Completions `tool_calls[].id`, Responses `call_id`). */
  id: string;
  name: string;
  arguments: string;
}

/** One entry of an agent's conversation, provider-neutral; converted to each API's message shape on the way out. */
export type TranscriptItem =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: RawToolCall[] }
  | { role: 'tool'; callId: string; name: string; content: string };

/** What one model turn of a tool-using agent answered: text, tool calls, or both. */
export interface AgentTurnReply {
  text: string;
  toolCalls: RawToolCall[];
}

/** A tool call after it ran: what the model gets back, and whether files of the checkout may have changed. */
export interface ExecutedTool {
  result: ToolResult;
  /** True for a write or edit that succeeded, and for any command that ran (commands may write files). */
  changesFiles: boolean;
}

/** The result of a verify command run on a task's checkout. */
export interface VerifyResult {
  command: string;
  passed: boolean;
  /** null when the command was killed (time limit, signal). */
  exitCode: number | null;
  timedOut: boolean;
  /** The end of the command's output, where test runners print failures and summaries; bounded. */
  outputTail: string;
  durationMs: number;
}

/** Where a parsed call's result goes: the model reads `result`, history keeps `summary`. */
export interface StepRecord {
  /** Step id, unique within the task (`r<round>s<step>`): it marks the step's commit. */
  stepId: string;
  /** One line for people and for rebuilding context on another worker, e.g. `write src/csv.ts`. */
  summary: string;
  /** The commit the step made, when it changed files. */
  commit?: string;
}

export type { ToolCall, ToolResult };

/** Where the agent of one task round keeps its conversation on the worker holding the checkout. */
export interface TranscriptKey {
  /** The task workflow's id. */
  taskWorkflowId: string;
  round: number;
}

/** Input of prepareTaskCheckout: runs on any workspace worker, and from then on the task's steps run there. */
export interface PrepareTaskCheckoutInput {
  runId: string;
  taskId: string;
  remote: string;
  base: string;
  /** Task ids whose branches the task starts from (merged onto the base, in order). */
  dependencies: string[];
  /** Setup commands (--setup) run in the checkout, with network, before the agent starts. */
  setup: string[];
  /** Set when the task moves: continue from its branch, and say whether this step's commit already landed. */
  recover?: { pendingStepId?: string };
  /** A retried task starting again: its branch is reset to the base merged with its dependencies. */
  fromBase?: boolean;
  /** The task's workflow id: the worker keeps the checkout and policy under it for the task's later steps. */
  taskWorkflowId: string;
  /** The task's policy (the run's, narrowed by its plan entry). */
  policy: WorkspacePolicy;
  /** The MCP tools the run recorded when it opened its workspace (absent: none). */
  mcpTools?: McpToolInfo[];
}

export type PrepareTaskCheckoutResult =
  | {
      ok: true;
      checkout: Checkout;
      /** The task queue only the worker holding the checkout polls. */
      queue: string;
      /** Where the task started: the base or the merge of its dependencies. */
      startCommit: string;
      /** The task branch's commit: where the next push must find it. */
      head: string;
      /** On recovery: whether the pending step's commit is already on the branch. */
      pendingStepLanded?: boolean;
    }
  | { ok: false; conflict: { branch: string; paths: string[] } };

/** The task's opening of a round: what the worker needs to start (or rebuild) the conversation. */
export interface RoundOpening {
  goal: string;
  task: TaskSpec;
  dependencies: DependencyContext[];
  constraints?: string[];
  feedback?: RoundFeedback;
  /** Steps taken so far in this round: the recap when the conversation is rebuilt after a move. */
  recap: string[];
}

/**
 * Input of agentTurn: one model turn of the task's round, on the worker holding its checkout. The opening is sent with
 * the round's first turn (and the first after a move) only: later turns continue the conversation the worker keeps.
 */
export interface AgentTurnInput {
  key: TranscriptKey;
  opening?: RoundOpening;
  availableMillicredits: number;
  modelOverride?: string;
}

/** What a turn asked for, as history keeps it: the calls themselves stay in the worker's transcript. */
export interface AgentTurnResult {
  calls: {
    id: string;
    name: string;
    summary: string;
    /** Set for a call of a tool that waits for a person's approval: what the person is shown. */
    gated?: { server: string; tool: string; arguments: string };
  }[];
  /** The model's text, cut short. */
  text: string;
}

/**
 * Input of runToolStep: one tool call of the last turn, on the worker holding the checkout. The checkout and the
 * policy are the worker's own record of the task (from prepareTaskCheckout), so they are not repeated per step.
 */
export interface ToolStepInput {
  key: TranscriptKey;
  callIndex: number;
  stepId: string;
  /** The task branch's commit as last recorded: a push lands only on it. */
  head: string;
  /** A person's decision on a call that waits for approval; without one such a call never runs. */
  decision?: { approved: true; by: string } | { approved: false; by: string; reason: string };
}

export interface ToolStepResult {
  summary: string;
  ok: boolean;
  /** Set when the step changed files: its commit, now the branch's head. */
  commit?: string;
  /** Set when the call was finish: the agent's summary. */
  finished?: string;
}

export interface VerifyWorkInput {
  taskWorkflowId: string;
  startCommit: string;
}

export interface VerifyWorkResult {
  results: VerifyResult[];
  changedFiles: string[];
}

export interface IntegrateRunInput {
  runId: string;
  remote: string;
  base: string;
  /** Succeeded tasks, in plan order. */
  taskIds: string[];
  policy: WorkspacePolicy;
  setup: string[];
  /** Checks the merge must pass (integrationChecks); absent from runs that predate it: the policy's verify. */
  checks?: string[];
}
