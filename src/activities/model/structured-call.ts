import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { settingsFor, type AgentModelSettings } from '../../config';
import type { MeteredResult } from '../../domain/activity-contracts';
import { costOf, worstCaseCost } from '../../domain/credits';
import { MODEL_OUTPUT_INVALID } from '../../domain/errors';
import { spendDetails } from '../../domain/failure-details';
import { MODEL_CALL_MAX_ATTEMPTS } from '../../domain/limits';
import { formatIssues } from '../../domain/plan-validation';
import { repairMessage } from '../../domain/prompts';
import { countInputTokens, countOutputTokens } from '../../domain/tokens';
import { requestCompletion, responseFormatFor } from './chat-request';
import { endpointOf } from './client';
import { FALLBACK_WORTHY_FAILURES, refusalFailure, toModelFailure } from './errors';
import { AttemptHeartbeats, type InFlightRequest, type SpendCheckpoint } from './heartbeats';
import type { ModelClient, StructuredCallRequest } from './model-client';

export type { ModelClient, StructuredCallRequest } from './model-client';

/** What a structured call returns: the activity contract's metered result (see src/domain/activity-contracts.ts). */
export type StructuredCallResult<T> = MeteredResult<T>;

/**
 * Makes one structured model call: reserves the worst-case cost before every request, streams with heartbeats,
 * validates the output with zod (plus `validate`), repairs invalid output, and falls back to other models when the
 * failure is one another model can fix. Every request's real cost is recorded.
 */
export async function callStructured<T>(
  model: ModelClient,
  req: StructuredCallRequest<T>,
): Promise<StructuredCallResult<T>> {
  const { settings } = model;
  const ctx = Context.current();
  const carried = (ctx.info.heartbeatDetails as SpendCheckpoint | undefined) ?? { spentMillicredits: 0, calls: [] };
  const ledger: SpendCheckpoint = { spentMillicredits: carried.spentMillicredits, calls: [...carried.calls] };
  const heartbeats = new AttemptHeartbeats(ctx, ledger);
  // An earlier attempt was cut off with a request out (its worker died): the provider may bill it, so it is charged
  // at its reservation, and the checkpoint says so at once, so that it is charged once whatever happens next.
  if (carried.inFlight) {
    chargeUnknownOutcome(ledger, carried.inFlight);
    heartbeats.checkpoint();
  }
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

    const started = Date.now();
    const inFlight = { reservedMillicredits: reserve, model: agent.model, attempt: Context.current().info.attempt };
    let reply;
    try {
      reply = await requestCompletion(
        model,
        agent,
        req,
        messages,
        { ...jsonSchema, strict: agent.strictSchema },
        { callIndex: answeredCalls(ledger), heartbeats, inFlight },
      );
    } catch (err) {
      // A provider's error response is a known outcome (nothing billed); a request cut off is not.
      if (ledger.inFlight && !isProviderResponse(err)) chargeUnknownOutcome(ledger, inFlight);
      throw err;
    } finally {
      heartbeats.requestSettled();
    }
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

/**
 * Charges a request whose answer never came back at its reservation, its worst case: the ledger is never below what
 * the provider could bill.
 */
function chargeUnknownOutcome(ledger: SpendCheckpoint, request: InFlightRequest): void {
  ledger.calls.push({
    model: request.model,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 },
    costMillicredits: request.reservedMillicredits,
    latencyMs: 0,
    attempt: request.attempt,
    repair: false,
    outcome: 'unknown',
  });
  ledger.spentMillicredits += request.reservedMillicredits;
}

/** An error the provider answered with (an HTTP status): the request's outcome is known, and nothing was generated. */
function isProviderResponse(err: unknown): boolean {
  return err instanceof OpenAI.APIError && typeof err.status === 'number';
}

/**
 * The request's place in the activity: the calls answered before it. A request retried after its worker died was
 * charged as an unknown outcome, and keeps its place (and so its idempotency key).
 */
function answeredCalls(ledger: SpendCheckpoint): number {
  return ledger.calls.filter((c) => c.outcome !== 'unknown').length;
}
