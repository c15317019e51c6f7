import type { z } from 'zod';
import type { ExecutedTool } from '../../domain/agent-loop';
import type { CommandResult } from '../../domain/commands';
import type { RunCommandInput } from '../../domain/tool-schemas';
import { truncateOutput } from '../../domain/tools';
import { isCommandAllowed } from '../../domain/workspace-policy';
import { runCommand } from '../sandbox';
import { done, refuse, type ToolContext } from './context';

/** Bytes of output kept for the model: the run's character limit, less room for the result's first line. */
function keptOutputBytes(ctx: ToolContext): number {
  return Math.max(1024, ctx.policy.maxOutputChars - 200);
}

export type AllowedRun = { ran: true; result: CommandResult } | { ran: false; reason: string };

/**
 * Runs a command line when the policy allows it, as its words alone (no shell), in the sandbox the context names,
 * under the policy's time limit. A command the policy refuses is a result; the host failing to run one throws
 * (SandboxError), and so does the activity's cancellation.
 */
export async function runAllowedCommand(
  ctx: ToolContext,
  commandLine: string,
  maxOutputBytes: number,
): Promise<AllowedRun> {
  const allowed = isCommandAllowed(ctx.policy, commandLine);
  if (!allowed.ok) return { ran: false, reason: allowed.reason };
  const result = await runCommand(
    {
      checkout: ctx.dir,
      command: { argv: allowed.argv },
      timeoutMs: ctx.policy.commandTimeoutSeconds * 1000,
      sandbox: ctx.sandbox,
      maxOutputBytes,
    },
    { signal: ctx.signal },
  );
  return { ran: true, result };
}

/** How a command ended, in one line: `exit code 1`, `stopped after 300 s…`, `killed by SIGKILL`. */
export function describeEnd(ctx: ToolContext, result: CommandResult): string {
  if (result.timedOut) {
    return `stopped after ${ctx.policy.commandTimeoutSeconds} s, the time limit for one command: run something quicker (fewer tests, a narrower target)`;
  }
  if (result.exitCode !== null) return `exit code ${result.exitCode}`;
  return `killed by ${result.signal ?? 'a signal'}`;
}

/**
 * The run_command tool. Any command that ran may have changed files (a timed-out one too); a refused one changed
 * nothing. A timeout is a failure the model reads, with the output the command printed before it was stopped.
 */
export async function runCommandTool(ctx: ToolContext, input: z.infer<typeof RunCommandInput>): Promise<ExecutedTool> {
  const maxBytes = keptOutputBytes(ctx);
  const run = await runAllowedCommand(ctx, input.command, maxBytes);
  if (!run.ran) return { result: refuse(run.reason), changesFiles: false };
  const { result } = run;
  const text = `${describeEnd(ctx, result)}\n${result.output === '' ? '(no output)' : result.output}`;
  if (result.timedOut) {
    return { result: refuse(truncateOutput(text, ctx.policy.maxOutputChars).text), changesFiles: true };
  }
  const shown = done(ctx, text, result.exitCode);
  // runCommand cut the middle of a longer output already (its note says how many bytes); done() cuts only what is
  // left over past the character limit.
  if (shown.ok && result.outputBytes > maxBytes) shown.truncated = true;
  return { result: shown, changesFiles: true };
}
