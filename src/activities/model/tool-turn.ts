import type { MeteredResult } from '../../domain/activity-contracts';
import type { AgentTurnReply, TranscriptItem } from '../../domain/agent-loop';
import type { CallKind } from '../../domain/model';
import type { ToolDefinition } from '../../domain/tool-schemas';
import { callWithFallbacks } from './metered-call';
import { sendMetered } from './metered-request';
import type { ModelClient } from './model-client';
import { functionToolsFor, type FunctionToolSpec } from './requested-output';

/** One model turn of an agent that acts through function tools. */
export interface ToolTurnRequest {
  /** Only implementers act through tools; reviewers and the planner answer with structured output. */
  kind: Extract<CallKind, 'implementer'>;
  /** Agent type of the task: selects its model settings and tags the call's metrics. */
  agentType: string;
  /** Task the turn is for; sent as a header for request logs and the simulator. */
  taskId: string;
  /** Review round the turn belongs to; sent as a header. */
  round: number;
  /** The conversation so far, the agent's tool calls and their results included; sent whole on every turn. */
  transcript: TranscriptItem[];
  /** The tools offered, sent as strict function tools; their schemas count toward the reservation. */
  tools: ToolDefinition[];
  /** Tools described by JSON schemas written elsewhere (MCP servers), sent after the built-in ones. */
  externalTools?: FunctionToolSpec[];
  /** Credits this activity may spend across all its requests and attempts, in millicredits. */
  availableMillicredits: number;
  /** Use this model instead of the configured one (escalation after repeated review failures). */
  modelOverride?: string;
  /** The turn's place in its task, kept across moves to other workers: the source of its idempotency key. */
  logicalPlace?: string;
}

/**
 * Makes one model turn with tools, under the guarantees of every model call (see callWithFallbacks and sendMetered):
 * the worst case, transcript and tool schemas included, is reserved before the request leaves; the request is marked
 * in flight; spend is carried across attempts; fallback models take over from one that is not found. The answer is
 * the model's text and tool calls as sent, either possibly empty: arguments are JSON text the caller parses
 * (parseToolCall), so that a bad call goes back to the model as a tool error instead of failing the turn.
 */
export function callWithTools(model: ModelClient, req: ToolTurnRequest): Promise<MeteredResult<AgentTurnReply>> {
  return callWithFallbacks(model, req, async (agent, spend) => {
    const sent = await sendMetered(model, agent, spend, {
      place: req,
      conversation: req.transcript,
      // Strict unless the config turns strict schemas off for a server that refuses them.
      output: {
        kind: 'tools',
        tools: [...functionToolsFor(req.tools), ...(req.externalTools ?? [])],
        strict: agent.strictSchema,
      },
      repair: false,
      problemsOf: () => [],
    });
    if (sent.kind === 'insufficient_credits') return sent;
    return { kind: 'ok', value: { text: sent.reply.text, toolCalls: sent.reply.toolCalls } };
  });
}
