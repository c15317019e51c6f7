import type { ExecutedTool } from '../../domain/agent-loop';
import type { ToolCall, ToolResult } from '../../domain/tool-schemas';
import { enabledTools } from '../../domain/tools';
import { runCommandTool } from './command-tool';
import { done, refuse, type ToolContext } from './context';
import { listFiles, readFile } from './read-tools';
import { search } from './search-tool';
import { editFile, writeFile } from './write-tools';

/**
 * The worker side of an agent's tools: one call executed in a task's checkout under the run's policy. Everything the
 * model did wrong (a path outside the workspace, a command not allowed, an ambiguous edit, a timeout) comes back as a
 * result addressed to it; only failures of this worker (no sandbox, a root-owned checkout, git missing) throw.
 */
export type { ToolContext } from './context';
export { runVerify, VERIFY_TAIL_CHARS } from './verify';

/** Executes one parsed tool call in the checkout `ctx` names and says whether files may have changed. */
export async function executeTool(ctx: ToolContext, call: ToolCall): Promise<ExecutedTool> {
  // parseToolCall refuses tools the policy does not offer; this is the worker's own check of the same rule.
  const offered = enabledTools(ctx.policy);
  if (!offered.includes(call.tool)) {
    return unchanged(refuse(`no tool "${call.tool}" in this run; use one of ${offered.join(', ')}`));
  }
  switch (call.tool) {
    case 'list_files':
      return unchanged(await listFiles(ctx, call.input));
    case 'read_file':
      return unchanged(await readFile(ctx, call.input));
    case 'search':
      return unchanged(await search(ctx, call.input));
    case 'write_file':
      return changedIfOk(await writeFile(ctx, call.input));
    case 'edit_file':
      return changedIfOk(await editFile(ctx, call.input));
    case 'run_command':
      return runCommandTool(ctx, call.input);
    case 'finish':
      return unchanged(done(ctx, 'finished'));
  }
}

const unchanged = (result: ToolResult): ExecutedTool => ({ result, changesFiles: false });
const changedIfOk = (result: ToolResult): ExecutedTool => ({ result, changesFiles: result.ok });
