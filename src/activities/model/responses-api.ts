import type OpenAI from 'openai';
import type { RawToolCall } from '../../domain/agent-loop';
import type { RequestParameters } from '../../domain/model-families';
import { StreamedToolCalls, type ApiRequest, type Reply } from './api-request';
import { toResponsesInput } from './conversation';
import { responsesOutputFields } from './requested-output';

/** One request through the Responses API, streamed or not, reduced to text, refusal, tool calls, model and usage. */
export async function requestResponse(client: OpenAI, req: ApiRequest<RequestParameters['responses']>): Promise<Reply> {
  const body = {
    model: req.model,
    input: toResponsesInput(req.conversation),
    ...req.sampling,
    ...responsesOutputFields(req.output),
  };
  if (!req.stream) {
    const response = await client.responses.create({ ...body, stream: false }, req.options);
    return fromResponse(response);
  }
  const stream = await client.responses.create({ ...body, stream: true }, req.options);
  let text = '';
  let refusal = '';
  const toolCalls = new StreamedToolCalls();
  let final: OpenAI.Responses.Response | undefined;
  // An aborted stream (cancellation or a stall) ends this loop quietly; the caller turns that into a failure.
  for await (const event of stream) {
    req.onChunk(isAnswer(event));
    if (event.type === 'response.output_text.delta') text += event.delta;
    else if (event.type === 'response.refusal.delta') refusal += event.delta;
    else if (event.type === 'response.output_item.added' && event.item.type === 'function_call') {
      const { call_id, name, arguments: args } = event.item;
      toolCalls.add(event.output_index, { id: call_id, name, arguments: args });
    } else if (event.type === 'response.function_call_arguments.delta') {
      toolCalls.add(event.output_index, { arguments: event.delta });
    } else if (event.type === 'response.function_call_arguments.done') {
      toolCalls.complete(event.output_index, event.arguments);
    } else if (event.type === 'response.completed') final = event.response;
  }
  const done = final ? fromResponse(final) : undefined;
  const streamedCalls = toolCalls.list();
  return {
    text: done?.text || text,
    // The completed response's items are the calls as the provider recorded them; the fragments, if it sent none.
    toolCalls: done?.toolCalls.length ? done.toolCalls : streamedCalls,
    model: done?.model ?? req.model,
    ...(refusal || done?.refusal ? { refusal: refusal || done?.refusal } : {}),
    ...(done?.usage ? { usage: done.usage } : {}),
  };
}

/** Whether a streamed event carries the answer: its text, its refusal, or a tool call being written. */
function isAnswer(event: OpenAI.Responses.ResponseStreamEvent): boolean {
  switch (event.type) {
    case 'response.output_text.delta':
    case 'response.refusal.delta':
    case 'response.function_call_arguments.delta':
      return true;
    case 'response.output_item.added':
      return event.item.type === 'function_call';
    default:
      return false;
  }
}

function fromResponse(response: OpenAI.Responses.Response): Reply {
  let text = '';
  let refusal = '';
  const toolCalls: RawToolCall[] = [];
  for (const item of response.output) {
    if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id, name: item.name, arguments: item.arguments });
      continue;
    }
    if (item.type !== 'message') continue;
    for (const part of item.content) {
      if (part.type === 'output_text') text += part.text;
      else if (part.type === 'refusal') refusal += part.refusal;
    }
  }
  const u = response.usage;
  return {
    text,
    model: response.model,
    toolCalls,
    ...(refusal ? { refusal } : {}),
    ...(u
      ? {
          usage: {
            inputTokens: u.input_tokens,
            outputTokens: u.output_tokens,
            cachedInputTokens: u.input_tokens_details?.cached_tokens ?? 0,
            reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
          },
        }
      : {}),
  };
}
