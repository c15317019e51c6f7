import type OpenAI from 'openai';
import type { TranscriptItem } from '../../domain/agent-loop';
import type { ChatMessage } from '../../domain/prompts';
import { countInputTokens } from '../../domain/tokens';

/**
 * What a request sends as its conversation: the plain messages of a structured call, or the transcript of a
 * tool-using agent (assistant tool calls and tool results included). Provider-neutral; converted here to each API's
 * shape on the way out.
 */
export type ConversationItem = ChatMessage | TranscriptItem;

/**
 * The conversation as Chat Completions messages. A plain message goes out as `{ role, content }` exactly, so a
 * structured request's body (and the cassettes recorded from it) is what it always was.
 */
export function toChatMessages(items: readonly ConversationItem[]): OpenAI.ChatCompletionMessageParam[] {
  return items.map((item): OpenAI.ChatCompletionMessageParam => {
    if (item.role === 'tool') return { role: 'tool', tool_call_id: item.callId, content: item.content };
    if (item.role !== 'assistant' || !hasToolCalls(item)) return { role: item.role, content: item.content };
    return {
      role: 'assistant',
      // OpenAI documents null content beside tool calls; an empty string is refused by some compatible servers.
      content: item.content || null,
      tool_calls: item.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  });
}

/**
 * The conversation as Responses API input items: an assistant turn's calls become `function_call` items after its
 * text, a tool result a `function_call_output`. The calls go without the item `id` the provider gave them: an id
 * refers to a stored output item, which a reasoning model's call must then be sent with its reasoning item; the
 * `call_id` alone pairs a call with its output.
 */
export function toResponsesInput(items: readonly ConversationItem[]): OpenAI.Responses.ResponseInputItem[] {
  return items.flatMap((item): OpenAI.Responses.ResponseInputItem[] => {
    if (item.role === 'tool') return [{ type: 'function_call_output', call_id: item.callId, output: item.content }];
    if (item.role !== 'assistant' || !hasToolCalls(item)) return [{ role: item.role, content: item.content }];
    const calls = item.toolCalls.map((call): OpenAI.Responses.ResponseInputItem => ({
      type: 'function_call',
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
    }));
    return item.content ? [{ role: 'assistant', content: item.content }, ...calls] : calls;
  });
}

/**
 * Input tokens of a request: the conversation, tool calls and results included, and what the provider feeds the
 * model besides it (the output schema, or the tool specs). Calls count their id, name and arguments, results their
 * call id and content: all of it is sent. The count is the reservation's base, so it errs on the high side.
 */
export function countConversationTokens(items: readonly ConversationItem[], besides: object | undefined): number {
  const messages = items.map((item): ChatMessage => {
    if (item.role === 'tool') return { role: 'user', content: `${item.callId}\n${item.content}` };
    if (item.role !== 'assistant' || !hasToolCalls(item)) return item;
    const calls = item.toolCalls.map((c) => `${c.id} ${c.name} ${c.arguments}`);
    return { role: 'assistant', content: [item.content, ...calls].join('\n') };
  });
  return countInputTokens(messages, besides);
}

function hasToolCalls(item: ConversationItem): item is Extract<TranscriptItem, { role: 'assistant' }> {
  return 'toolCalls' in item && item.toolCalls.length > 0;
}
