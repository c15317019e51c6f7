import type { ToolResult } from '../../domain/tool-schemas';
import { truncateOutput } from '../../domain/tools';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';

/** Where and under which rules one tool call runs: a task's checkout on this worker and the run's policy. */
export interface ToolContext {
  /** Absolute path of the checkout's working tree. */
  dir: string;
  /** Its git directory (checkouts are made with an explicit git dir; never discover it). */
  gitDir: string;
  policy: WorkspacePolicy;
  /** 'bwrap' normally; 'none' only on the user's explicit opt-in. */
  sandbox: 'bwrap' | 'none';
  /** Aborts a running command (the activity's cancellation). */
  signal?: AbortSignal;
}

/** A successful result, its output cut to the run's limit. */
export function done(ctx: ToolContext, text: string, exitCode: number | null = null): ToolResult {
  const { text: output, truncated } = truncateOutput(text, ctx.policy.maxOutputChars);
  return { ok: true, output, truncated, exitCode };
}

/** A refusal or failure the model reads: what went wrong and what to do instead. */
export function refuse(error: string): ToolResult {
  return { ok: false, error };
}
