import type OpenAI from 'openai';
import type { Usage } from '../../domain/model';
import type { ChatMessage } from '../../domain/prompts';

/** What one request returned, whichever API carried it. */
export interface Reply {
  text: string;
  refusal?: string;
  model: string;
  usage?: Usage;
}

export interface ApiRequest {
  model: string;
  messages: ChatMessage[];
  /** Output cap and temperature as the model's family accepts them (see src/domain/model-families.ts). */
  sampling: { max_output_tokens: number; temperature?: number };
  jsonSchema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null };
  stream: boolean;
  options: { headers: Record<string, string>; signal: AbortSignal };
  /**
   * Called on every streamed event, to heartbeat and to time silences; `output` when the event carries the answer's
   * text or refusal (a reasoning model sends a few events at once, then nothing while it thinks).
   */
  onChunk: (output: boolean) => void;
}

/** One request through the Responses API, streamed or not, reduced to text, refusal, model and usage. */
export async function requestResponse(client: OpenAI, req: ApiRequest): Promise<Reply> {
  const body = {
    model: req.model,
    input: req.messages,
    ...req.sampling,
    text: {
      format: {
        type: 'json_schema' as const,
        name: req.jsonSchema.name,
        schema: req.jsonSchema.schema ?? {},
        strict: req.jsonSchema.strict ?? null,
      },
    },
  };
  if (!req.stream) {
    const response = await client.responses.create({ ...body, stream: false }, req.options);
    return fromResponse(response);
  }
  const stream = await client.responses.create({ ...body, stream: true }, req.options);
  let text = '';
  let refusal = '';
  let final: OpenAI.Responses.Response | undefined;
  // An aborted stream (cancellation or a stall) ends this loop quietly; the caller turns that into a failure.
  for await (const event of stream) {
    req.onChunk(event.type === 'response.output_text.delta' || event.type === 'response.refusal.delta');
    if (event.type === 'response.output_text.delta') text += event.delta;
    else if (event.type === 'response.refusal.delta') refusal += event.delta;
    else if (event.type === 'response.completed') final = event.response;
  }
  const done = final ? fromResponse(final) : undefined;
  return {
    text: done?.text || text,
    model: done?.model ?? req.model,
    ...(refusal || done?.refusal ? { refusal: refusal || done?.refusal } : {}),
    ...(done?.usage ? { usage: done.usage } : {}),
  };
}

function fromResponse(response: OpenAI.Responses.Response): Reply {
  let text = '';
  let refusal = '';
  for (const item of response.output) {
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
