import { Context } from '@temporalio/activity';
import type { RawToolCall, ToolStepInput } from '../../domain/agent-loop';
import { isMcpToolAllowed, parseQualifiedMcpName, type McpToolInfo } from '../../domain/mcp';
import { invalidArgumentsMessage, type ToolResult } from '../../domain/tool-schemas';
import { callMcpTool } from '../mcp';
import type { FunctionToolSpec } from '../model/requested-output';
import type { HeldTask } from './held-tasks';
import type { AgentLoopContext } from './settings';

/**
 * MCP tools in the tool loop. The run recorded the servers' tool lists when it opened its workspace; an agent is
 * offered the tools this worker's configuration allows its type. A call of a tool marked `requiresApproval` runs only
 * with a person's decision, which the task workflow waited for; a denial reaches the model as the tool's result.
 */

/** The MCP tools an agent of `agentType` may call on this worker, from the run's recorded list. */
export function mcpToolsFor(ctx: AgentLoopContext, held: HeldTask, agentType: string): McpToolInfo[] {
  const servers = ctx.mcp?.servers ?? {};
  return (held.mcpTools ?? []).filter((tool) => {
    const rules = servers[tool.server];
    return rules !== undefined && isMcpToolAllowed(rules, tool.name, agentType);
  });
}

/** The tools as sent to the model: the server's own schemas, which strict function calling would refuse. */
export function mcpFunctionTools(tools: readonly McpToolInfo[]): FunctionToolSpec[] {
  return tools.map((t) => ({
    name: t.qualifiedName,
    description: t.description || `${t.name} (MCP server ${t.server})`,
    parameters: t.inputSchema,
    strict: false,
  }));
}

/** Whether a call names an MCP tool (mcp__<server>__<tool>). */
export function isMcpCall(call: RawToolCall): boolean {
  return parseQualifiedMcpName(call.name) !== undefined;
}

/**
 * Runs one MCP call of the agent in the task's checkout. A tool that is not idempotent is not called again after an
 * attempt that may have run it (this activity retried): the model is told instead.
 */
export async function runMcpCall(
  ctx: AgentLoopContext,
  held: HeldTask,
  agentType: string,
  call: RawToolCall,
  decision: ToolStepInput['decision'],
  signal: AbortSignal,
): Promise<{ result: ToolResult; summary: string }> {
  const named = parseQualifiedMcpName(call.name)!;
  const summary = `mcp ${named.server}.${named.tool}`;
  const refuse = (error: string) => ({ result: { ok: false as const, error }, summary: `${summary} ✗ ${error}` });
  const tool = mcpToolsFor(ctx, held, agentType).find((t) => t.qualifiedName === call.name);
  if (!tool || !ctx.mcp) return refuse(`no tool "${call.name}" is offered to this agent`);
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.arguments || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return refuse('the arguments must be an object');
    args = parsed as Record<string, unknown>;
  } catch {
    return refuse(invalidArgumentsMessage(call.name, call.arguments));
  }
  if (tool.requiresApproval && !decision) return refuse("this call needs a person's approval and has none");
  if (decision && !decision.approved) return refuse(`denied by ${decision.by}: ${decision.reason}`);
  if (Context.current().info.attempt > 1 && !tool.idempotent) {
    return refuse('this call may have run already before the worker was interrupted; it is not repeated');
  }
  const answer = await callMcpTool(
    ctx.mcp.pool,
    ctx.mcp.servers,
    {
      server: named.server,
      tool: named.tool,
      arguments: args,
      taskKey: held.taskWorkflowId,
      checkoutDir: held.checkout.dir,
    },
    { signal },
  );
  if (!answer.ok) return refuse(answer.error);
  const output = answer.isError ? `the tool reported an error:\n${answer.text}` : answer.text;
  return {
    result: { ok: true, output, truncated: answer.truncated, exitCode: null },
    summary: answer.isError ? `${summary} ✗ tool error` : summary,
  };
}
