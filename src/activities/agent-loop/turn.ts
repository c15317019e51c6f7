import { actingImplementerTranscript, NUDGE_TO_USE_TOOLS } from '../../domain/acting-prompts';
import type { MeteredResult } from '../../domain/activity-contracts';
import type { AgentTurnInput, AgentTurnResult, RawToolCall } from '../../domain/agent-loop';
import { parseToolCall, toolDefinitionsFor } from '../../domain/tool-schemas';
import { summarizeStep } from '../../domain/tools';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import { agentFor } from '../agents';
import { callWithTools } from '../model/tool-turn';
import type { AgentLoopContext } from './settings';

/** Most characters of a turn's text kept in history. */
const MAX_TURN_TEXT = 500;

/**
 * One model turn of an acting implementer, on the worker holding the task's checkout: the conversation comes from
 * this worker's cache (or is rebuilt from the round's recap after a move), the tools from the run's policy. The calls
 * the model made stay in the cache for runToolStep; history gets their one-line summaries.
 */
export async function agentTurn(ctx: AgentLoopContext, input: AgentTurnInput): Promise<MeteredResult<AgentTurnResult>> {
  const agent = agentFor(ctx.model.settings, input.task.agentType);
  const transcript = ctx.transcripts.get(input.key) ?? {
    items: actingImplementerTranscript({
      agent,
      task: input.task,
      goal: input.goal,
      dependencies: input.dependencies,
      constraints: input.constraints,
      feedback: input.feedback,
      policy: input.policy,
      recap: input.recap,
    }),
    pendingCalls: [],
  };
  // Calls of an earlier turn that never ran (the step limit, or a turn asked again) are answered, or the provider
  // refuses a conversation with unanswered calls.
  for (const call of transcript.pendingCalls) {
    if (!transcript.items.some((i) => i.role === 'tool' && i.callId === call.id)) {
      transcript.items.push({ role: 'tool', callId: call.id, name: call.name, content: 'not run' });
    }
  }
  const result = await callWithTools(ctx.model, {
    kind: 'implementer',
    agentType: agent.type,
    taskId: input.task.id,
    round: input.key.round,
    transcript: transcript.items,
    tools: toolDefinitionsFor(input.policy),
    availableMillicredits: input.availableMillicredits,
    ...(input.modelOverride ? { modelOverride: input.modelOverride } : {}),
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
      calls: reply.toolCalls.map((c) => ({ id: c.id, name: c.name, summary: summarizeRawCall(input.policy, c) })),
      text: reply.text.slice(0, MAX_TURN_TEXT),
    },
  };
}

function summarizeRawCall(policy: WorkspacePolicy, call: RawToolCall): string {
  const parsed = parseToolCall(policy, call);
  return parsed.ok ? summarizeStep(parsed.call) : `${call.name.slice(0, 40)} (invalid call)`;
}
