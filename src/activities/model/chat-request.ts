import { createHash } from 'node:crypto';
import { Context, type Info } from '@temporalio/activity';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import type { AgentModelSettings } from '../../config';
import { CALL_HEADERS, type Usage } from '../../domain/model';
import { requestParametersFor, streamLimitsFor } from '../../domain/model-families';
import type { ChatMessage } from '../../domain/prompts';
import { endpointOf } from './client';
import type { AttemptHeartbeats, InFlightRequest } from './heartbeats';
import type { ModelClient, StructuredCallRequest } from './model-client';
import { requestResponse, type Reply } from './responses-api';
import { StreamWatchdog } from './stream-watchdog';

/**
 * One request to the provider, on the Chat Completions or the Responses API, streaming or not: the parameters each
 * model accepts, the headers that place the request (idempotency key included), the pacer, heartbeats while it runs,
 * and the watchdog that cuts a silent stream.
 */
export async function requestCompletion<T>(
  model: ModelClient,
  agent: AgentModelSettings,
  req: StructuredCallRequest<T>,
  messages: ChatMessage[],
  jsonSchema: OpenAI.ResponseFormatJSONSchema['json_schema'],
  meta: { callIndex: number; heartbeats: AttemptHeartbeats; inFlight: InFlightRequest },
): Promise<Reply> {
  const ctx = Context.current();
  const { info } = ctx;
  const params = requestParametersFor(agent.model, agent);
  if (params.droppedTemperature !== undefined) warnDroppedTemperature(model, agent.model, params.droppedTemperature);
  const sampling = agent.api === 'responses' ? params.responses : params.chat;
  const headers: Record<string, string> = {
    [CALL_HEADERS.kind]: req.kind,
    [CALL_HEADERS.attempt]: String(info.attempt),
    [CALL_HEADERS.idempotencyKey]: idempotencyKey(info, meta.callIndex, {
      api: agent.api,
      model: agent.model,
      stream: agent.stream,
      sampling,
      schema: jsonSchema.name,
      strict: jsonSchema.strict,
      messages,
    }),
  };
  if (req.taskId) headers[CALL_HEADERS.task] = req.taskId;
  if (req.round !== undefined) headers[CALL_HEADERS.round] = String(req.round);
  const body = {
    model: agent.model,
    messages,
    ...params.chat,
    response_format: { type: 'json_schema' as const, json_schema: jsonSchema },
  };
  const watchdog = new StreamWatchdog(
    ctx.cancellationSignal,
    agent.stream ? streamLimitsFor(agent.model, agent) : null,
  );
  const options = { headers, signal: watchdog.signal };
  // A timer covers the wait for the first byte; chunks heartbeat as they arrive (long requests only, see alive()).
  const requestStartedAt = Date.now();
  const alive = () => meta.heartbeats.alive(requestStartedAt);
  const onChunk = (output: boolean) => {
    alive();
    watchdog.chunk(output);
  };
  const beat = setInterval(alive, 2000);
  const client = model.openai;
  const where = { model: agent.model, baseURL: endpointOf(model.settings) };
  let reply: Reply;
  try {
    await model.pacer.wait(ctx.cancellationSignal);
    // From here the provider may bill the request: it is marked in flight until its outcome is known.
    meta.heartbeats.requestLeaving(meta.inFlight);
    watchdog.start();
    reply =
      agent.api === 'responses'
        ? await requestResponse(client, {
            model: agent.model,
            messages,
            sampling: params.responses,
            jsonSchema,
            stream: agent.stream,
            options,
            onChunk,
          })
        : await requestChatCompletion(client, body, agent.stream, options, onChunk);
  } catch (err) {
    // An abort for a stall surfaces as the SDK's user abort; one for cancellation already maps to cancellation.
    throw watchdog.stallFailure(where) ?? err;
  } finally {
    clearInterval(beat);
    watchdog.stop();
  }
  // An aborted stream ends its loop quietly, with the answer cut short: that is a failure, never a reply.
  const cut = watchdog.stallFailure(where) ?? watchdog.cancellationFailure();
  if (cut) throw cut;
  return reply;
}

type ChatBody = Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'stream'>;

async function requestChatCompletion(
  client: OpenAI,
  body: ChatBody,
  stream: boolean,
  options: { headers: Record<string, string>; signal: AbortSignal },
  onChunk: (output: boolean) => void,
): Promise<Reply> {
  if (!stream) {
    const completion = await client.chat.completions.create({ ...body, stream: false }, options);
    const message = completion.choices[0]?.message;
    return {
      text: message?.content ?? '',
      ...(message?.refusal ? { refusal: message.refusal } : {}),
      model: completion.model,
      ...(completion.usage ? { usage: toUsage(completion.usage) } : {}),
    };
  }
  const chunks = await client.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    options,
  );
  let text = '';
  let refusal = '';
  let answeredBy = '';
  let usage: Usage | undefined;
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta;
    onChunk(Boolean(delta?.content || delta?.refusal));
    answeredBy ||= chunk.model;
    if (delta?.content) text += delta.content;
    if (delta?.refusal) refusal += delta.refusal;
    if (chunk.usage) usage = toUsage(chunk.usage);
  }
  return { text, model: answeredBy, ...(refusal ? { refusal } : {}), ...(usage ? { usage } : {}) };
}

/**
 * The key a provider that dedupes requests would use: the same for a retry of the same request, in this attempt or a
 * later one, and different for any other request. The run, the activity and the call index (calls recorded before it,
 * carried across attempts in the heartbeat details) place the request; the digest of what it asks tells apart requests
 * that share a place: a fallback model after a failed one, or a fresh prompt on the next attempt after a failed repair.
 * The attempt is not part of it: a retry that carried a new key would be a new request to the provider.
 */
function idempotencyKey(info: Info, callIndex: number, request: unknown): string {
  const run = info.workflowExecution;
  const digest = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16);
  return `${run?.workflowId ?? 'standalone'}/${run?.runId ?? '-'}/${info.activityId}/${callIndex}/${digest}`;
}

/** Models this worker has already said it sends no temperature to, per activity set (so once per worker). */
const warnedTemperature = new WeakMap<ModelClient, Set<string>>();

function warnDroppedTemperature(model: ModelClient, name: string, temperature: number): void {
  let warned = warnedTemperature.get(model);
  if (!warned) warnedTemperature.set(model, (warned = new Set()));
  if (warned.has(name)) return;
  warned.add(name);
  Context.current().log.warn(
    `model "${name}" accepts only the default temperature 1: its requests leave out the configured temperature ` +
      `${temperature} (set "temperature": 1 or none for the agents that use it)`,
    { model: name, temperature },
  );
}

function toUsage(u: OpenAI.CompletionUsage): Usage {
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

// The JSON schema of each zod schema is the same on every call; converting it is not free on a busy worker.
const responseFormats = new WeakMap<object, Map<string, OpenAI.ResponseFormatJSONSchema['json_schema']>>();

export function responseFormatFor(schema: z.ZodType, name: string): OpenAI.ResponseFormatJSONSchema['json_schema'] {
  let byName = responseFormats.get(schema);
  if (!byName) responseFormats.set(schema, (byName = new Map()));
  let format = byName.get(name);
  if (!format) byName.set(name, (format = zodResponseFormat(schema as never, name).json_schema));
  return format;
}
