import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import { settingsFor, type AgentModelSettings, type ModelSettings } from '../../config';
import type { MeteredResult } from '../../domain/activity-contracts';
import { costOf, worstCaseCost } from '../../domain/credits';
import { MODEL_OUTPUT_INVALID } from '../../domain/errors';
import { spendDetails } from '../../domain/failure-details';
import { MODEL_CALL_MAX_ATTEMPTS } from '../../domain/limits';
import { CALL_HEADERS, type CallKind, type CallRecord, type Usage } from '../../domain/model';
import { formatIssues } from '../../domain/plan-validation';
import { repairMessage, type ChatMessage } from '../../domain/prompts';
import { countInputTokens, countOutputTokens } from '../../domain/tokens';
import { endpointOf } from './client';
import { FALLBACK_WORTHY_FAILURES, refusalFailure, toModelFailure } from './errors';
import type { ModelMetrics } from './metrics';
import type { Pacer } from './pacer';
import { requestResponse, type Reply } from './responses-api';

export interface StructuredCallRequest<T> {
  kind: CallKind;
  /**
   * Agent type of the task the call is for: selects the per-agent model settings of implementer calls (reviewers and
   * the planner have their own), and tags the call's metrics, so a task type's review cost is counted with it.
   */
  agentType?: string;
  /** Task the call is for, if any; sent as a header for request logs and the simulator. */
  taskId?: string;
  /** Review round the call belongs to, if any. */
  round?: number;
  schema: z.ZodType<T>;
  /** Name of the JSON schema sent to the provider (snake_case). */
  schemaName: string;
  messages: ChatMessage[];
  /** Credits this activity may spend across all its requests and attempts, in millicredits. */
  availableMillicredits: number;
  /** Checks beyond the schema (e.g. plan graph rules); problems go back to the model like schema errors. */
  validate?: (value: T) => string[];
  /** Repair rounds after invalid output before failing; default 1. */
  maxRepairs?: number;
  /** Use this model instead of the configured one (escalation after repeated review failures). */
  modelOverride?: string;
}

/** Spend carried across activity attempts in heartbeat details, so a retried attempt knows what earlier ones cost. */
interface SpendCheckpoint {
  spentMillicredits: number;
  calls: CallRecord[];
}

/**
 * Heartbeats are server writes, two per task at least when every request sends one. A request proves it is alive only
 * once it has run this long (well inside the 30 s heartbeat timeout), so short requests send none.
 */
const LIVENESS_HEARTBEATS_AFTER_MS = 5_000;

/**
 * The heartbeats of one activity attempt. Every heartbeat carries the spend so far: a bare one would replace the
 * checkpoint in the server's heartbeat details with nothing. Spend is checkpointed before the next request of the
 * attempt and before a retryable failure, the two ways the next attempt could otherwise not learn of it.
 */
class AttemptHeartbeats {
  private checkpointedCalls: number;

  constructor(
    private readonly ctx: Context,
    private readonly ledger: SpendCheckpoint,
  ) {
    this.checkpointedCalls = ledger.calls.length;
  }

  /** Liveness while a request runs; sent only once it has run LIVENESS_HEARTBEATS_AFTER_MS. */
  alive(requestStartedAt: number): void {
    if (Date.now() - requestStartedAt >= LIVENESS_HEARTBEATS_AFTER_MS) this.send();
  }

  /** Sends the spend if the server's details do not have all of it yet. */
  checkpoint(): void {
    if (this.ledger.calls.length > this.checkpointedCalls) this.send();
  }

  private send(): void {
    this.ctx.heartbeat(this.ledger);
    this.checkpointedCalls = this.ledger.calls.length;
  }
}

/** What a structured call returns: the activity contract's metered result (see src/domain/activity-contracts.ts). */
export type StructuredCallResult<T> = MeteredResult<T>;

/**
 * Makes one structured model call: reserves the worst-case cost before every request, streams with heartbeats,
 * validates the output with zod (plus `validate`), repairs invalid output, and falls back to other models when the
 * failure is one another model can fix. Every request's real cost is recorded.
 */
export interface ModelClient {
  openai: OpenAI;
  settings: ModelSettings;
  pacer: Pacer;
  metrics: ModelMetrics;
}

export async function callStructured<T>(
  model: ModelClient,
  req: StructuredCallRequest<T>,
): Promise<StructuredCallResult<T>> {
  const { settings } = model;
  const ctx = Context.current();
  const carried = (ctx.info.heartbeatDetails as SpendCheckpoint | undefined) ?? { spentMillicredits: 0, calls: [] };
  const ledger: SpendCheckpoint = { spentMillicredits: carried.spentMillicredits, calls: [...carried.calls] };
  const heartbeats = new AttemptHeartbeats(ctx, ledger);
  const agentSettings = settingsFor(settings, req.kind, req.agentType);
  const models = req.modelOverride
    ? [req.modelOverride]
    : [agentSettings.model, ...agentSettings.fallbackModels.filter((m) => m !== agentSettings.model)];
  const fallbacks: { model: string; failureType: string }[] = [];
  for (const [i, name] of models.entries()) {
    try {
      const outcome = await callWithRepairs(model, { ...agentSettings, model: name }, req, ledger, heartbeats);
      if (outcome.kind === 'insufficient_credits') return { ...outcome, ...ledger };
      return { kind: 'ok', value: outcome.value, model: name, fallbacks, ...ledger };
    } catch (err) {
      const failure = toModelFailure(err, { model: name, baseURL: endpointOf(settings) });
      const type = failure instanceof ApplicationFailure ? failure.type : undefined;
      // Cancellation is not the model's failure; everything else counts, also what a fallback model then fixes.
      if (type) model.metrics.callFailed(req.kind, name, type);
      const hasNext = i < models.length - 1;
      // On the last attempt Temporal will not retry: a transient failure is then as final as a missing model.
      const retriesExhausted =
        failure instanceof ApplicationFailure && !failure.nonRetryable && ctx.info.attempt >= MODEL_CALL_MAX_ATTEMPTS;
      if (hasNext && type && (FALLBACK_WORTHY_FAILURES.includes(type) || retriesExhausted)) {
        fallbacks.push({ model: name, failureType: retriesExhausted ? `${type} (retries exhausted)` : type });
        continue;
      }
      if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) heartbeats.checkpoint();
      throw withSpend(failure, ledger);
    }
  }
  throw new Error('unreachable: the model list is never empty');
}

type AttemptOutcome<T> = { kind: 'ok'; value: T } | { kind: 'insufficient_credits'; shortfallMillicredits: number };

async function callWithRepairs<T>(
  model: ModelClient,
  agent: AgentModelSettings,
  req: StructuredCallRequest<T>,
  ledger: SpendCheckpoint,
  heartbeats: AttemptHeartbeats,
): Promise<AttemptOutcome<T>> {
  const { settings } = model;
  const jsonSchema = responseFormatFor(req.schema, req.schemaName);
  const messages = [...req.messages];
  const maxRepairs = req.maxRepairs ?? 1;
  let errors: string[] = [];
  for (let repair = 0; repair <= maxRepairs; repair++) {
    const counted = countInputTokens(messages, jsonSchema.schema);
    const reserve = worstCaseCost(
      settings.prices,
      agent.model,
      Math.ceil(counted * settings.inputTokenMargin),
      agent.maxOutputTokens,
    );
    const available = req.availableMillicredits - ledger.spentMillicredits;
    // The reservation gate: no request leaves unless its worst case fits what is left.
    if (reserve > available) {
      model.metrics.creditShortfall(req.kind, req.agentType);
      return { kind: 'insufficient_credits', shortfallMillicredits: reserve - available };
    }

    heartbeats.checkpoint();
    const started = Date.now();
    const reply = await requestCompletion(
      model,
      agent,
      req,
      messages,
      { ...jsonSchema, strict: agent.strictSchema },
      { callIndex: ledger.calls.length, heartbeats },
    );
    const usage = reply.usage ?? {
      inputTokens: counted,
      outputTokens: countOutputTokens(reply.text),
      cachedInputTokens: 0,
      reasoningTokens: 0,
    };
    const cost = costOf(settings.prices, agent.model, usage);
    ledger.calls.push({
      model: reply.model || agent.model,
      usage,
      costMillicredits: cost,
      latencyMs: Date.now() - started,
      attempt: Context.current().info.attempt,
      repair: repair > 0,
    });
    ledger.spentMillicredits += cost;
    errors = reply.refusal ? [] : parseErrors(reply.text, req);
    model.metrics.requestAnswered({
      kind: req.kind,
      agentType: req.agentType,
      model: agent.model,
      valid: !reply.refusal && errors.length === 0,
      latencyMs: Date.now() - started,
      usage,
      costMillicredits: cost,
    });
    if (reply.refusal) throw refusalFailure(agent.model, reply.refusal);
    if (errors.length === 0) return { kind: 'ok', value: req.schema.parse(JSON.parse(reply.text)) };
    messages.push({ role: 'assistant', content: reply.text }, repairMessage(errors));
  }
  throw ApplicationFailure.create({
    type: MODEL_OUTPUT_INVALID,
    message: `model "${agent.model}" returned invalid ${req.schemaName} output after ${maxRepairs} repair round(s): ${errors.slice(0, 5).join('; ')}`,
    nonRetryable: true,
    details: spendDetails({ ...ledger, errors }),
  });
}

function parseErrors<T>(text: string, req: StructuredCallRequest<T>): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return [`the answer is not valid JSON (${(err as Error).message})`];
  }
  const parsed = req.schema.safeParse(json);
  if (!parsed.success) return formatIssues(parsed.error.issues);
  return req.validate?.(parsed.data) ?? [];
}

async function requestCompletion<T>(
  model: ModelClient,
  agent: AgentModelSettings,
  req: StructuredCallRequest<T>,
  messages: ChatMessage[],
  jsonSchema: OpenAI.ResponseFormatJSONSchema['json_schema'],
  meta: { callIndex: number; heartbeats: AttemptHeartbeats },
): Promise<Reply> {
  const ctx = Context.current();
  const { info } = ctx;
  const headers: Record<string, string> = {
    [CALL_HEADERS.kind]: req.kind,
    [CALL_HEADERS.attempt]: String(info.attempt),
    // Same workflow, activity, attempt and call index: same key, so a provider that dedupes can.
    [CALL_HEADERS.idempotencyKey]: `${info.workflowExecution?.workflowId ?? 'standalone'}/${info.activityId}/${info.attempt}/${meta.callIndex}`,
  };
  if (req.taskId) headers[CALL_HEADERS.task] = req.taskId;
  if (req.round !== undefined) headers[CALL_HEADERS.round] = String(req.round);
  const body = {
    model: agent.model,
    messages,
    max_tokens: agent.maxOutputTokens,
    ...(agent.temperature !== undefined ? { temperature: agent.temperature } : {}),
    response_format: { type: 'json_schema' as const, json_schema: jsonSchema },
  };
  const options = { headers, signal: ctx.cancellationSignal };
  // A timer covers the wait for the first byte; chunks heartbeat as they arrive (long requests only, see alive()).
  const requestStartedAt = Date.now();
  const alive = () => meta.heartbeats.alive(requestStartedAt);
  const beat = setInterval(alive, 2000);
  const client = model.openai;
  try {
    await model.pacer.wait(ctx.cancellationSignal);
    if (agent.api === 'responses') {
      return await requestResponse(client, {
        model: agent.model,
        messages,
        maxOutputTokens: agent.maxOutputTokens,
        ...(agent.temperature !== undefined ? { temperature: agent.temperature } : {}),
        jsonSchema,
        stream: agent.stream,
        options,
        onChunk: alive,
      });
    }
    if (!agent.stream) {
      const completion = await client.chat.completions.create({ ...body, stream: false }, options);
      const message = completion.choices[0]?.message;
      return {
        text: message?.content ?? '',
        ...(message?.refusal ? { refusal: message.refusal } : {}),
        model: completion.model,
        ...(completion.usage ? { usage: toUsage(completion.usage) } : {}),
      };
    }
    const stream = await client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      options,
    );
    let text = '';
    let refusal = '';
    let answeredBy = '';
    let usage: Usage | undefined;
    for await (const chunk of stream) {
      alive();
      answeredBy ||= chunk.model;
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) text += delta.content;
      if (delta?.refusal) refusal += delta.refusal;
      if (chunk.usage) usage = toUsage(chunk.usage);
    }
    return { text, model: answeredBy, ...(refusal ? { refusal } : {}), ...(usage ? { usage } : {}) };
  } finally {
    clearInterval(beat);
  }
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

function responseFormatFor(schema: z.ZodType, name: string): OpenAI.ResponseFormatJSONSchema['json_schema'] {
  let byName = responseFormats.get(schema);
  if (!byName) responseFormats.set(schema, (byName = new Map()));
  let format = byName.get(name);
  if (!format) byName.set(name, (format = zodResponseFormat(schema as never, name).json_schema));
  return format;
}

/** Attaches what was spent to a failure raised after requests were made, keeping its type and retryability. */
function withSpend(err: Error, ledger: SpendCheckpoint): Error {
  if (!(err instanceof ApplicationFailure) || ledger.spentMillicredits === 0 || err.details?.length) return err;
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? false,
    ...(err.nextRetryDelay !== undefined ? { nextRetryDelay: err.nextRetryDelay } : {}),
    details: spendDetails({ spentMillicredits: ledger.spentMillicredits, calls: ledger.calls }),
  });
}
