import type OpenAI from 'openai';
import type { RawToolCall } from '../../domain/agent-loop';
import type { Usage } from '../../domain/model';
import type { RequestParameters } from '../../domain/model-families';
import { StreamedToolCalls, type ApiRequest, type Reply } from './api-request';
import { toChatMessages } from './conversation';
import { chatOutputFields } from './requested-output';

/** One request through the Chat Completions API, streamed or not, reduced to text, refusal, tool calls and usage. */
export async function requestChatCompletion(
  client: OpenAI,
  req: ApiRequest<RequestParameters['chat']>,
): Promise<Reply> {
  const body = {
    model: req.model,
    messages: toChatMessages(req.conversation),
    ...req.sampling,
    ...chatOutputFields(req.output),
  };
  if (!req.stream) {
    const completion = await client.chat.completions.create({ ...body, stream: false }, req.options);
    const message = completion.choices[0]?.message;
    return {
      text: message?.content ?? '',
      ...(message?.refusal ? { refusal: message.refusal } : {}),
      toolCalls: (message?.tool_calls ?? []).flatMap(functionCall),
      model: completion.model,
      ...(completion.usage ? { usage: toUsage(completion.usage) } : {}),
    };
  }
  const chunks = await client.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    req.options,
  );
  let text = '';
  let refusal = '';
  let answeredBy = '';
  let usage: Usage | undefined;
  const toolCalls = new StreamedToolCalls();
  // An aborted stream (cancellation or a stall) ends this loop quietly; the caller turns that into a failure.
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta;
    req.onChunk(Boolean(delta?.content || delta?.refusal || delta?.tool_calls?.length));
    answeredBy ||= chunk.model;
    if (delta?.content) text += delta.content;
    if (delta?.refusal) refusal += delta.refusal;
    for (const call of delta?.tool_calls ?? []) {
      toolCalls.add(call.index, { id: call.id, name: call.function?.name, arguments: call.function?.arguments });
    }
    if (chunk.usage) usage = toUsage(chunk.usage);
  }
  return {
    text,
    model: answeredBy,
    toolCalls: toolCalls.list(),
    ...(refusal ? { refusal } : {}),
    ...(usage ? { usage } : {}),
  };
}

/** A function call as the model made it; custom (free-form) tool calls are never offered, so never answered. */
function functionCall(call: OpenAI.ChatCompletionMessageToolCall): RawToolCall[] {
  if (call.type !== 'function') return [];
  return [{ id: call.id, name: call.function.name, arguments: call.function.arguments }];
}

function toUsage(u: OpenAI.CompletionUsage): Usage {
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
