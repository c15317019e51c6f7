import { ApplicationFailure } from '@temporalio/common';
import { actingImplementerTranscript, NUDGE_TO_USE_TOOLS } from '../../domain/acting-prompts';
import type { MeteredResult } from '../../domain/activity-contracts';
import type { AgentTurnInput, AgentTurnResult, RawToolCall } from '../../domain/agent-loop';
import { AGENT_CONTEXT_LOST } from '../../domain/errors';
import { parseQualifiedMcpName, type McpToolInfo } from '../../domain/mcp';
import { MAX_TOOL_ARGUMENTS_SHOWN } from '../../domain/tool-approvals';
import { parseToolCall, toolDefinitionsFor } from '../../domain/tool-schemas';
import { summarizeStep } from '../../domain/tools';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import { agentFor } from '../agents';
import { callWithTools } from '../model/tool-turn';
import { mcpFunctionTools, mcpToolsFor } from './mcp-tools';
import type { AgentLoopContext } from './settings';
import type { Transcript } from './transcript-cache';

/** Most characters of a turn's text kept in history. */
const MAX_TURN_TEXT = 500;

/**
 * One model turn of an acting implementer, on the worker holding the task's checkout: the conversation comes from
 * this worker's cache (or is rebuilt from the round's recap after a move), the tools from the run's policy. The calls
 * the model made stay in the cache for runToolStep; history gets their one-line summaries.
 */
export async function agentTurn(ctx: AgentLoopContext, input: AgentTurnInput): Promise<MeteredResult<AgentTurnResult>> {
  const held = ctx.held.get(input.key.taskWorkflowId);
  const { policy } = held;
  const transcript = ctx.transcripts.get(input.key) ?? openRound(ctx, input, policy);
  // Placed before the calls that never ran are answered: a rebuilt conversation has none of those answers.
  const logicalPlace = turnPlace(input, transcript);
  // Calls of an earlier turn that never ran (the step limit, or a turn asked again) are answered, or the provider
  // refuses a conversation with unanswered calls.
  for (const call of transcript.pendingCalls) {
    if (!transcript.items.some((i) => i.role === 'tool' && i.callId === call.id)) {
      transcript.items.push({ role: 'tool', callId: call.id, name: call.name, content: 'not run' });
    }
  }
  const result = await callWithTools(ctx.model, {
    kind: 'implementer',
    agentType: transcript.agentType,
    taskId: transcript.taskId,
    round: input.key.round,
    transcript: transcript.items,
    tools: toolDefinitionsFor(agentPolicy(policy, transcript.tools)),
    externalTools: mcpFunctionTools(mcpToolsFor(ctx, held, transcript.agentType)),
    availableMillicredits: input.availableMillicredits,
    ...(input.modelOverride ? { modelOverride: input.modelOverride } : {}),
    logicalPlace,
  });
  if (result.kind !== 'ok') return result;
  const reply = result.value;
  transcript.items.push({ role: 'assistant', content: reply.text, toolCalls: reply.toolCalls });
  if (reply.toolCalls.length === 0) transcript.items.push({ role: 'user', content: NUDGE_TO_USE_TOOLS });
  transcript.pendingCalls = reply.toolCalls;
  ctx.transcripts.set(input.key, transcript);
  return {
    ...result,
    value: {
      calls: reply.toolCalls.map((c) => ({
        id: c.id,
        name: c.name,
        summary: summarizeRawCall(policy, c),
        ...gatedCall(mcpToolsFor(ctx, held, transcript.agentType), c),
      })),
      text: reply.text.slice(0, MAX_TURN_TEXT),
    },
  };
}

/**
 * The turn's place in its task: the round and the steps taken before it. It is the same on the worker that first asked
 * and on one the task moved to (which rebuilt the conversation from the round's recap), so a turn re-sent after a move
 * keeps its idempotency key.
 */
export function turnPlace(input: Pick<AgentTurnInput, 'key'>, transcript: Transcript): string {
  const steps = transcript.stepsBefore + transcript.items.filter((i) => i.role === 'tool').length;
  return `${input.key.taskWorkflowId}/round-${input.key.round}/step-${steps}`;
}

function summarizeRawCall(policy: WorkspacePolicy, call: RawToolCall): string {
  const mcp = parseQualifiedMcpName(call.name);
  if (mcp) return `mcp ${mcp.server}.${mcp.tool}`.slice(0, 120);
  const parsed = parseToolCall(policy, call);
  return parsed.ok ? summarizeStep(parsed.call) : `${call.name.slice(0, 40)} (invalid call)`;
}

/** A new conversation for the round from its opening; without one (the worker lost it), the task moves on. */
function openRound(ctx: AgentLoopContext, input: AgentTurnInput, policy: WorkspacePolicy): Transcript {
  const opening = input.opening;
  if (!opening) {
    throw ApplicationFailure.create({
      type: AGENT_CONTEXT_LOST,
      message: `the conversation of ${input.key.taskWorkflowId} is not on this worker: the task moves on`,
      nonRetryable: true,
    });
  }
  const agent = agentFor(ctx.model.settings, opening.task.agentType);
  return {
    agentType: agent.type,
    taskId: opening.task.id,
    ...(agent.tools ? { tools: agent.tools } : {}),
    items: actingImplementerTranscript({
      agent,
      task: opening.task,
      goal: opening.goal,
      dependencies: opening.dependencies,
      constraints: opening.constraints,
      feedback: opening.feedback,
      policy,
      recap: opening.recap,
    }),
    pendingCalls: [],
    stepsBefore: opening.recap.length,
  };
}

/** The run's policy as one agent type uses it: only the tools its configuration names (finish is always offered). */
export function agentPolicy(policy: WorkspacePolicy, tools: readonly string[] | undefined): WorkspacePolicy {
  return tools ? { ...policy, tools: policy.tools.filter((t) => tools.includes(t)) } : policy;
}

/** What a person is shown of a call that waits for approval; nothing for any other call. */
function gatedCall(tools: readonly McpToolInfo[], call: RawToolCall) {
  const tool = tools.find((t) => t.qualifiedName === call.name);
  if (!tool?.requiresApproval) return {};
  return {
    gated: { server: tool.server, tool: tool.name, arguments: call.arguments.slice(0, MAX_TOOL_ARGUMENTS_SHOWN) },
  };
}
