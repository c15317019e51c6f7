import type { RawToolCall, TranscriptItem } from '../domain/agent-loop';
import type { ChatMessage } from '../domain/prompts';
import { countInputTokens } from '../domain/tokens';
import type { ToolConversation } from './tool-agent';

/**
 * Reads a request that offers function tools, on either API, into the provider-neutral transcript the simulated
 * agent decides from (src/domain/agent-loop.ts). Requests come from any client, so every field is read defensively.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Whether the request offers tools the model may call (tool_choice "none" forbids them: it wants text). */
export function isToolRequest(body: Json): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none';
}

export function readToolConversation(api: 'chat' | 'responses', body: Json): ToolConversation {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  // Chat Completions nests the function ({type, function: {name}}); the Responses API flattens it ({type, name}).
  const offered = tools.map((t) => str(isObject(t.function) ? t.function.name : t.name)).filter((n) => n !== '');
  return {
    offered,
    parallel: body.parallel_tool_calls !== false,
    transcript: api === 'chat' ? chatTranscript(body.messages) : responsesTranscript(body),
  };
}

/** Message content as text: a string, or the text of its parts (text, input_text, output_text). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (isObject(p) ? str(p.text) || str(p.refusal) : '')).join('');
}

function chatTranscript(messages: unknown): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const names = new Map<string, string>();
  for (const m of Array.isArray(messages) ? messages.filter(isObject) : []) {
    if (m.role === 'assistant') {
      const calls: RawToolCall[] = (Array.isArray(m.tool_calls) ? m.tool_calls.filter(isObject) : []).map((c) => {
        const fn = isObject(c.function) ? c.function : {};
        return { id: str(c.id), name: str(fn.name), arguments: str(fn.arguments) };
      });
      for (const c of calls) names.set(c.id, c.name);
      items.push({ role: 'assistant', content: textOf(m.content), toolCalls: calls });
    } else if (m.role === 'tool') {
      const callId = str(m.tool_call_id);
      items.push({ role: 'tool', callId, name: names.get(callId) ?? '', content: textOf(m.content) });
    } else {
      items.push({ role: m.role === 'user' ? 'user' : 'system', content: textOf(m.content) });
    }
  }
  return items;
}

/**
 * The Responses API's input items: messages, and function_call / function_call_output items. Consecutive calls
 * belong to one assistant turn, as the model made them; other items (reasoning) say nothing the agent needs.
 */
function responsesTranscript(body: Json): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  if (typeof body.instructions === 'string') items.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') return [...items, { role: 'user', content: body.input }];
  const names = new Map<string, string>();
  for (const item of Array.isArray(body.input) ? body.input.filter(isObject) : []) {
    const last = items.at(-1);
    if (item.type === 'function_call') {
      const call = { id: str(item.call_id), name: str(item.name), arguments: str(item.arguments) };
      names.set(call.id, call.name);
      if (last?.role === 'assistant') last.toolCalls.push(call);
      else items.push({ role: 'assistant', content: '', toolCalls: [call] });
    } else if (item.type === 'function_call_output') {
      const callId = str(item.call_id);
      items.push({ role: 'tool', callId, name: names.get(callId) ?? '', content: textOf(item.output) });
    } else if ((item.type === undefined || item.type === 'message') && typeof item.role === 'string') {
      if (item.role === 'assistant') items.push({ role: 'assistant', content: textOf(item.content), toolCalls: [] });
      else items.push({ role: item.role === 'user' ? 'user' : 'system', content: textOf(item.content) });
    }
  }
  return items;
}

/** Input tokens of a tool request: every message, call and result as text, and the tools' definitions. */
export function countToolPromptTokens(conversation: ToolConversation, tools: unknown): number {
  const messages: ChatMessage[] = conversation.transcript.map((item) => {
    if (item.role === 'assistant') {
      const calls = item.toolCalls.map((c) => `${c.name}(${c.arguments})`);
      return { role: 'assistant', content: [item.content, ...calls].join('\n') };
    }
    return { role: item.role === 'tool' ? 'user' : item.role, content: item.content };
  });
  return countInputTokens(messages, isObject(tools) || Array.isArray(tools) ? tools : undefined);
}
