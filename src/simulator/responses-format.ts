import type { ServerResponse } from 'node:http';
import { rejectsTemperature } from '../domain/model-families';
import type { ChatMessage } from '../domain/prompts';

/** The Responses API's request fields the simulator reads. */
interface ResponsesBody {
  model?: string;
  input?: string | ChatMessage[];
  stream?: boolean;
  max_output_tokens?: number;
  temperature?: number;
  text?: { format?: { type?: string; name?: string; schema?: Record<string, unknown> } };
}

/** An invalid_request_error the real API answers with 400: what it says, the parameter and the code. */
export interface ParameterRejection {
  message: string;
  param: string;
  code: string;
}

/** What the Responses API refuses for the model, in its words: reasoning models take no temperature but 1. */
export function responsesRejection(body: ResponsesBody): ParameterRejection | undefined {
  if (!rejectsTemperature(body.model ?? '', body.temperature)) return undefined;
  return {
    message: "Unsupported parameter: 'temperature' is not supported with this model.",
    param: 'temperature',
    code: 'unsupported_parameter',
  };
}

/** The same request in Chat Completions terms, so that one answering path serves both APIs. */
export function fromResponsesBody(body: ResponsesBody) {
  const messages: ChatMessage[] =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
  const format = body.text?.format;
  return {
    ...(body.model !== undefined ? { model: body.model } : {}),
    messages,
    stream: body.stream === true,
    ...(body.max_output_tokens !== undefined ? { max_tokens: body.max_output_tokens } : {}),
    ...(format?.type === 'json_schema'
      ? { response_format: { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } } }
      : {}),
  };
}

export interface ResponsesAnswer {
  seq: number;
  createdAt: number;
  model: string;
  text: string;
  refusal: string | null;
  inputTokens: number;
  outputTokens: number;
}

function responseObject(a: ResponsesAnswer) {
  const content = a.refusal
    ? [{ type: 'refusal', refusal: a.refusal }]
    : [{ type: 'output_text', text: a.text, annotations: [] }];
  return {
    id: `resp_sim_${a.seq}`,
    object: 'response',
    created_at: a.createdAt,
    model: a.model,
    status: 'completed',
    output: [{ type: 'message', id: `msg_sim_${a.seq}`, role: 'assistant', status: 'completed', content }],
    usage: {
      input_tokens: a.inputTokens,
      output_tokens: a.outputTokens,
      total_tokens: a.inputTokens + a.outputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/**
 * Writes the answer as the Responses API does: one JSON object, or a stream of typed events (text deltas, then
 * `response.completed` carrying usage). `pause` runs between deltas; returning false stops the stream (a cut).
 */
export async function writeResponses(
  res: ServerResponse,
  a: ResponsesAnswer,
  stream: boolean,
  pieces: string[],
  pause: (i: number) => Promise<boolean>,
): Promise<void> {
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(responseObject(a)));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  event('response.created', { response: { ...responseObject(a), status: 'in_progress', output: [] } });
  for (const [i, piece] of pieces.entries()) {
    if (!(await pause(i))) return;
    const type = a.refusal ? 'response.refusal.delta' : 'response.output_text.delta';
    event(type, { item_id: `msg_sim_${a.seq}`, output_index: 0, content_index: 0, delta: piece });
  }
  event('response.completed', { response: responseObject(a) });
  res.end();
}
