import { createHash } from 'node:crypto';
import { Context, type Info } from '@temporalio/activity';
import type { AgentModelSettings } from '../../config';
import { CALL_HEADERS, type CallKind } from '../../domain/model';
import { requestParametersFor, streamLimitsFor } from '../../domain/model-families';
import type { Reply } from './api-request';
import { requestChatCompletion } from './chat-completions-api';
import { endpointOf } from './client';
import type { ConversationItem } from './conversation';
import type { AttemptHeartbeats, InFlightRequest } from './heartbeats';
import type { ModelClient } from './model-client';
import { outputIdentity, type RequestedOutput } from './requested-output';
import { requestResponse } from './responses-api';
import { StreamWatchdog } from './stream-watchdog';

/** Where a request belongs, sent as headers for request logs and the simulator. */
export interface RequestPlace {
  kind: CallKind;
  /** Task the call is for, if any. */
  taskId?: string | undefined;
  /** Review round the call belongs to, if any. */
  round?: number | undefined;
  /**
   * Where the request stands in its task when that outlives the activity: an acting task's turn is asked again by a
   * new activity, on another worker, after a move, with its conversation rebuilt from a recap. Its idempotency key
   * then comes from this place, so the provider sees the same logical request under the same key.
   */
  logicalPlace?: string | undefined;
}

/** What one request sends: its conversation, and what it asks for (a schema's answer, or tool calls). */
export interface CompletionRequest {
  place: RequestPlace;
  conversation: readonly ConversationItem[];
  output: RequestedOutput;
}

/**
 * One request to the provider, on the Chat Completions or the Responses API, streaming or not: the parameters each
 * model accepts, the headers that place the request (idempotency key included), the pacer, heartbeats while it runs,
 * and the watchdog that cuts a silent stream.
 */
export async function requestCompletion(
  model: ModelClient,
  agent: AgentModelSettings,
  req: CompletionRequest,
  meta: { callIndex: number; heartbeats: AttemptHeartbeats; inFlight: InFlightRequest },
): Promise<Reply> {
  const ctx = Context.current();
  const { info } = ctx;
  const params = requestParametersFor(agent.model, agent);
  if (params.droppedTemperature !== undefined) warnDroppedTemperature(model, agent.model, params.droppedTemperature);
  const sampling = agent.api === 'responses' ? params.responses : params.chat;
  const headers: Record<string, string> = {
    [CALL_HEADERS.kind]: req.place.kind,
    [CALL_HEADERS.attempt]: String(info.attempt),
    [CALL_HEADERS.idempotencyKey]: idempotencyKey(info, meta.callIndex, req.place.logicalPlace, {
      api: agent.api,
      model: agent.model,
      stream: agent.stream,
      sampling,
      ...outputIdentity(req.output),
      // A logical place names the request whatever its conversation looks like after a rebuild.
      ...(req.place.logicalPlace ? {} : { messages: req.conversation }),
    }),
  };
  if (req.place.taskId) headers[CALL_HEADERS.task] = req.place.taskId;
  if (req.place.round !== undefined) headers[CALL_HEADERS.round] = String(req.place.round);
  const watchdog = new StreamWatchdog(
    ctx.cancellationSignal,
    agent.stream ? streamLimitsFor(agent.model, agent) : null,
  );
  // A timer covers the wait for the first byte; chunks heartbeat as they arrive (long requests only, see alive()).
  const requestStartedAt = Date.now();
  const alive = () => meta.heartbeats.alive(requestStartedAt);
  const request = {
    model: agent.model,
    conversation: req.conversation,
    output: req.output,
    stream: agent.stream,
    options: { headers, signal: watchdog.signal },
    onChunk: (output: boolean) => {
      alive();
      watchdog.chunk(output);
    },
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
        ? await requestResponse(client, { ...request, sampling: params.responses })
        : await requestChatCompletion(client, { ...request, sampling: params.chat });
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

/**
 * The key a provider that dedupes requests would use: the same for a retry of the same request, in this attempt or a
 * later one, and different for any other request. The run, the activity and the call index (calls recorded before it,
 * carried across attempts in the heartbeat details) place the request; the digest of what it asks tells apart requests
 * that share a place: a fallback model after a failed one, or a fresh prompt on the next attempt after a failed repair.
 * The attempt is not part of it: a retry that carried a new key would be a new request to the provider. With a logical
 * place (an acting turn), the place replaces the run id and the activity id, which a move to another worker changes.
 */
export function idempotencyKey(
  info: Info,
  callIndex: number,
  logicalPlace: string | undefined,
  request: unknown,
): string {
  const run = info.workflowExecution;
  const digest = createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16);
  if (logicalPlace) return `${logicalPlace}/${callIndex}/${digest}`;
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
