import type { RoundOpening, VerifyResult } from '../../domain/agent-loop';
import type { ReviewVerdict } from '../../domain/agent-outputs';
import type { McpToolInfo } from '../../domain/mcp';
import type { TaskSpec } from '../../domain/plan';
import type { DependencyContext } from '../../domain/prompts';
import type { Checkout } from '../../domain/workspace';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import type { ToolCallCount } from './tool-call-limits';

/** What a task of a run with a workspace gets from its run (a field of TaskWorkflowInput). */
export interface TaskWorkspaceInput {
  remote: string;
  base: string;
  /** The run's policy narrowed by the task's plan entry. */
  policy: WorkspacePolicy;
  /** Dependencies whose branches the task starts from, in order. */
  dependencies: string[];
  workerTimeoutSeconds: number;
  /** Setup commands run in each checkout before the agent starts (absent: none). */
  setup?: string[];
  /** History length past which the task continues as new between rounds (absent: the default). */
  continueAfterEvents?: number;
  /** The MCP tools the run recorded when it opened its workspace (absent: none). */
  mcpTools?: McpToolInfo[];
  /** A retried task starting again from the base (and its dependencies), not from its branch as the last attempt left it. */
  fromBase?: boolean;
}

/** What an acting task carries across continue-as-new: where its checkout is and what it has done. */
export interface ActingState {
  checkout: Checkout;
  queue: string;
  startCommit: string;
  head: string;
  steps: number;
  commits: number;
  moves: number;
  changedFiles: string[];
  lastVerify: VerifyResult[];
  /** The task's tool-call count (absent in states carried before limits existed: none used). */
  toolCalls?: ToolCallCount;
  /** Set when a limit stopped the last round: the task cannot go round again. */
  outOfToolCalls?: string;
}

/** What one implementation round of an acting task works from. */
export interface RoundArgs {
  round: number;
  goal: string;
  task: TaskSpec;
  dependencies: DependencyContext[];
  constraints?: string[];
  feedback?: { round: number; verdict: ReviewVerdict };
  modelOverride?: string;
}

/** The round's opening for the worker holding the conversation; `recap` lists the steps taken before a move. */
export function roundOpening(args: RoundArgs, recap: string[]): RoundOpening {
  return {
    goal: args.goal,
    task: args.task,
    dependencies: args.dependencies,
    ...(args.constraints ? { constraints: args.constraints } : {}),
    ...(args.feedback ? { feedback: args.feedback } : {}),
    recap,
  };
}
