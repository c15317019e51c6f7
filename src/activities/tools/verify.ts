import type { VerifyResult } from '../../domain/agent-loop';
import { describeEnd, runAllowedCommand } from './command-tool';
import type { ToolContext } from './context';

/** Characters of a verify command's output kept: its end, where test runners print failures and their summary. */
export const VERIFY_TAIL_CHARS = 4000;
/** Bytes of output kept while it runs: enough for the tail in any encoding, plus runCommand's note of a cut. */
const VERIFY_OUTPUT_BYTES = 4 * VERIFY_TAIL_CHARS + 1024;

/**
 * Runs one of the policy's verify commands on the checkout. It passes only when it exits 0 within the time limit. A
 * command the policy does not allow, or that is not installed, fails with the reason in outputTail; only the host
 * failing to run commands at all throws (SandboxError).
 */
export async function runVerify(ctx: ToolContext, command: string): Promise<VerifyResult> {
  const run = await runAllowedCommand(ctx, command, VERIFY_OUTPUT_BYTES);
  if (!run.ran) {
    return {
      command,
      passed: false,
      exitCode: null,
      timedOut: false,
      outputTail: `not run: ${run.reason}`,
      durationMs: 0,
    };
  }
  const { result } = run;
  // How it ended goes last, after the output, so the tail always holds it.
  const text = `${result.output}${result.output === '' || result.output.endsWith('\n') ? '' : '\n'}[${describeEnd(ctx, result)}]`;
  return {
    command,
    passed: result.exitCode === 0 && !result.timedOut,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    outputTail: text.length > VERIFY_TAIL_CHARS ? `…${text.slice(-(VERIFY_TAIL_CHARS - 1))}` : text,
    durationMs: result.durationMs,
  };
}
