import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentTurnReply } from '../domain/agent-loop';
import { countOutputTokens } from '../domain/tokens';
import { silence, sleep } from './http-utils';
import type { SimRequest } from './request-log';
import type { Fault, Scenario } from './scenario';
import { nextAgentTurn } from './tool-agent';
import { countToolPromptTokens, readToolConversation } from './tool-request';
import { toolReplyPieces, writeToolReply } from './tool-wire';

/** What the server knows of a request that offers tools when it hands it here. */
export interface ToolAnswerContext {
  req: IncomingMessage;
  res: ServerResponse;
  api: 'chat' | 'responses';
  body: Record<string, unknown>;
  record: SimRequest;
  scenario: Scenario;
  /** The fault taken for this request, if any; status, reset and hang were handled before. */
  fault: Fault | undefined;
  delayMs: number;
}

/**
 * Answers a request that offers tools with the simulated agent's next turn (scripted per task, or the default agent),
 * applying the content faults as for other answers: a refusal, malformed or truncated arguments, a stall, a cut stream.
 */
export async function answerToolTurn(ctx: ToolAnswerContext): Promise<void> {
  const { res, record, fault } = ctx;
  const conversation = readToolConversation(ctx.api, ctx.body);
  const task = record.task ? ctx.scenario.tasks[record.task] : undefined;
  // A script plays in the rounds it covers (all by default); later rounds get the default agent.
  const scripted = task && task.toolScript.length > 0 && (record.round ?? 1) <= (task.toolScriptRounds ?? Infinity);
  const script = scripted ? { turns: task.toolScript, end: task.toolScriptEnd } : undefined;
  const reply = withArgumentFault(nextAgentTurn(conversation, script), fault?.type);
  const refusal = fault?.type === 'refusal' ? (fault.message ?? 'I cannot help with that.') : null;

  const maxTokens = record.maxTokens ?? 4096;
  const output = refusal ?? [reply.text, ...reply.toolCalls.map((c) => `${c.name}(${c.arguments})`)].join('\n');
  record.promptTokens = countToolPromptTokens(conversation, ctx.body.tools);
  record.completionTokens = ctx.scenario.usage === 'max' ? maxTokens : Math.min(maxTokens, countOutputTokens(output));

  const count = toolReplyPieces(reply, refusal).flat().length;
  // As for text answers: a stall falls before a piece that exists, so the silence always comes.
  const stallAt = fault?.type === 'stall' ? Math.min(fault.afterChunks ?? Math.floor(count / 2), count - 1) : -1;
  if (!record.stream) {
    if (stallAt >= 0) await silence(res, fault?.stallMs);
    await sleep(ctx.delayMs);
  }
  if (res.destroyed) return;
  const meta = {
    seq: record.seq,
    createdAt: Math.floor(record.receivedAt / 1000),
    model: record.model,
    inputTokens: record.promptTokens,
    outputTokens: record.completionTokens,
    refusal,
  };
  await writeToolReply(res, ctx.api, reply, meta, record.stream, async (i) => {
    if (i === stallAt) await silence(res, fault?.stallMs);
    await sleep(ctx.delayMs / Math.max(1, count));
    if (fault?.type === 'cut-stream' && i >= count / 2) ctx.req.socket.destroy();
    return !res.destroyed;
  });
}

/** Malformed arguments have their double quotes swapped for single ones; truncated ones lose their second half. */
function withArgumentFault(reply: AgentTurnReply, type: Fault['type'] | undefined): AgentTurnReply {
  if (type !== 'malformed' && type !== 'truncated') return reply;
  const distort = (args: string) =>
    type === 'malformed' ? args.replace(/"/g, "'") : args.slice(0, Math.floor(args.length / 2));
  return { ...reply, toolCalls: reply.toolCalls.map((c) => ({ ...c, arguments: distort(c.arguments) })) };
}
