import type { ServerResponse } from 'node:http';
import type { AgentTurnReply } from '../domain/agent-loop';
import { splitText } from './http-utils';

/**
 * Writes a tool-using agent's turn the way OpenAI does, on both APIs, streaming or not: Chat Completions
 * `message.tool_calls` with finish_reason "tool_calls" (streamed as `delta.tool_calls` by index, arguments over
 * several chunks), Responses `function_call` output items (streamed as output_item.added, arguments deltas and done
 * events, output_item.done, response.completed). Usage comes last, as for every other answer.
 */

export interface ToolReplyMeta {
  seq: number;
  /** Epoch seconds. */
  createdAt: number;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** A refusal replaces the turn: no text and no calls. */
  refusal: string | null;
}

/** Called before each streamed piece (text, refusal or arguments), in order; false stops the stream (a cut). */
export type Pause = (piece: number) => Promise<boolean>;

/** The pieces a stream of this turn sends, in order: its text or refusal, then each call's arguments. */
export function toolReplyPieces(reply: AgentTurnReply, refusal: string | null): string[][] {
  const message = refusal ?? reply.text;
  const calls = refusal ? [] : reply.toolCalls;
  // An empty arguments text is still one (empty) piece, so that every call streams at least one delta.
  return [message ? splitText(message, 4) : [], ...calls.map((c) => (c.arguments ? splitText(c.arguments, 4) : ['']))];
}

export async function writeToolReply(
  res: ServerResponse,
  api: 'chat' | 'responses',
  reply: AgentTurnReply,
  meta: ToolReplyMeta,
  stream: boolean,
  pause: Pause,
): Promise<void> {
  const turn = meta.refusal ? { text: '', toolCalls: [] } : reply;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(api === 'chat' ? chatCompletion(turn, meta) : responseObject(turn, meta)));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const [messagePieces = [], ...argumentPieces] = toolReplyPieces(reply, meta.refusal);
  let piece = 0;
  const next = () => pause(piece++);
  if (api === 'chat') await streamChat(res, turn, meta, messagePieces, argumentPieces, next);
  else await streamResponses(res, turn, meta, messagePieces, argumentPieces, next);
}

function usageOf(meta: ToolReplyMeta) {
  return {
    prompt_tokens: meta.inputTokens,
    completion_tokens: meta.outputTokens,
    total_tokens: meta.inputTokens + meta.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function chatCompletion(turn: AgentTurnReply, meta: ToolReplyMeta) {
  const calls = turn.toolCalls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  const message = {
    role: 'assistant',
    content: turn.text || null,
    refusal: meta.refusal,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
  return {
    id: `chatcmpl-sim-${meta.seq}`,
    object: 'chat.completion',
    created: meta.createdAt,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: usageOf(meta),
  };
}

async function streamChat(
  res: ServerResponse,
  turn: AgentTurnReply,
  meta: ToolReplyMeta,
  messagePieces: string[],
  argumentPieces: string[][],
  next: () => Promise<boolean>,
): Promise<void> {
  const base = { id: `chatcmpl-sim-${meta.seq}`, object: 'chat.completion.chunk', created: meta.createdAt };
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    res.write(
      `data: ${JSON.stringify({ ...base, model: meta.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  chunk({ role: 'assistant', content: messagePieces.length > 0 && !meta.refusal ? '' : null }, null);
  for (const piece of messagePieces) {
    if (!(await next())) return;
    chunk(meta.refusal ? { refusal: piece } : { content: piece }, null);
  }
  for (const [index, call] of turn.toolCalls.entries()) {
    // The first delta of a call names it; the ones after carry only more of its arguments, matched by index.
    chunk(
      { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] },
      null,
    );
    for (const piece of argumentPieces[index] ?? []) {
      if (!(await next())) return;
      chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null);
    }
  }
  chunk({}, turn.toolCalls.length > 0 ? 'tool_calls' : 'stop');
  res.write(`data: ${JSON.stringify({ ...base, model: meta.model, choices: [], usage: usageOf(meta) })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function messageItem(turn: AgentTurnReply, meta: ToolReplyMeta) {
  const part = meta.refusal
    ? { type: 'refusal', refusal: meta.refusal }
    : { type: 'output_text', text: turn.text, annotations: [] };
  return { type: 'message', id: `msg_sim_${meta.seq}`, role: 'assistant', status: 'completed', content: [part] };
}

function callItems(turn: AgentTurnReply) {
  return turn.toolCalls.map((c) => ({
    type: 'function_call',
    id: `fc_${c.id}`,
    call_id: c.id,
    name: c.name,
    arguments: c.arguments,
    status: 'completed',
  }));
}

function responseObject(turn: AgentTurnReply, meta: ToolReplyMeta) {
  const hasMessage = !!meta.refusal || !!turn.text || turn.toolCalls.length === 0;
  return {
    id: `resp_sim_${meta.seq}`,
    object: 'response',
    created_at: meta.createdAt,
    model: meta.model,
    status: 'completed',
    output: [...(hasMessage ? [messageItem(turn, meta)] : []), ...callItems(turn)],
    usage: {
      input_tokens: meta.inputTokens,
      output_tokens: meta.outputTokens,
      total_tokens: meta.inputTokens + meta.outputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

async function streamResponses(
  res: ServerResponse,
  turn: AgentTurnReply,
  meta: ToolReplyMeta,
  messagePieces: string[],
  argumentPieces: string[][],
  next: () => Promise<boolean>,
): Promise<void> {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  const final = responseObject(turn, meta);
  event('response.created', { response: { ...final, status: 'in_progress', output: [] } });
  let outputIndex = 0;
  if (messagePieces.length > 0) {
    const item = messageItem(turn, meta);
    const part = item.content[0]!;
    const empty = meta.refusal ? { ...part, refusal: '' } : { ...part, text: '' };
    const ids = { item_id: item.id, output_index: outputIndex, content_index: 0 };
    event('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    });
    event('response.content_part.added', { ...ids, part: empty });
    const kind = meta.refusal ? 'refusal' : 'output_text';
    for (const piece of messagePieces) {
      if (!(await next())) return;
      event(`response.${kind}.delta`, { ...ids, delta: piece });
    }
    event(`response.${kind}.done`, { ...ids, ...(meta.refusal ? { refusal: meta.refusal } : { text: turn.text }) });
    event('response.content_part.done', { ...ids, part });
    event('response.output_item.done', { output_index: outputIndex, item });
    outputIndex++;
  }
  for (const [i, item] of callItems(turn).entries()) {
    const ids = { item_id: item.id, output_index: outputIndex };
    event('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, arguments: '', status: 'in_progress' },
    });
    for (const piece of argumentPieces[i] ?? []) {
      if (!(await next())) return;
      event('response.function_call_arguments.delta', { ...ids, delta: piece });
    }
    event('response.function_call_arguments.done', { ...ids, name: item.name, arguments: item.arguments });
    event('response.output_item.done', { output_index: outputIndex, item });
    outputIndex++;
  }
  event('response.completed', { response: final });
  res.end();
}
