import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { settingsFor, type AgentModelSettings } from '../../config';
import type { MeteredResult } from '../../domain/activity-contracts';
import { spendDetails } from '../../domain/failure-details';
import { MODEL_CALL_MAX_ATTEMPTS } from '../../domain/limits';
import type { CallKind } from '../../domain/model';
import { endpointOf } from './client';
import { FALLBACK_WORTHY_FAILURES, toModelFailure } from './errors';
import { AttemptHeartbeats, type SpendCheckpoint } from './heartbeats';
import { chargeUnknownOutcome, type AttemptSpend } from './metered-request';
import type { ModelClient } from './model-client';

/** Who makes a metered call, with what credits, on which model: what every kind of model call shares. */
export interface MeteredCallPlace {
  kind: CallKind;
  /** Agent type of the task the call is for: selects implementer settings and tags the metrics. */
  agentType?: string | undefined;
  /** Credits this activity may spend across all its requests and attempts, in millicredits. */
  availableMillicredits: number;
  /** Use this model instead of the configured one and its fallbacks. */
  modelOverride?: string | undefined;
}

/** What one model made of a call: its value, or the shortfall that stopped a request from leaving. */
export type ModelOutcome<T> =
  { kind: 'ok'; value: T } | { kind: 'insufficient_credits'; shortfallMillicredits: number };

/**
 * Runs a call on the configured model and, for failures another model can fix, on its fallbacks in turn, within one
 * activity attempt: the spend of earlier attempts comes in from the heartbeat details, a request an earlier attempt
 * left in flight is charged, and a failure goes out with what was spent. `callModel` makes the requests of one model
 * through sendMetered.
 */
export async function callWithFallbacks<T>(
  model: ModelClient,
  place: MeteredCallPlace,
  callModel: (agent: AgentModelSettings, spend: AttemptSpend) => Promise<ModelOutcome<T>>,
): Promise<MeteredResult<T>> {
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
  const agentSettings = settingsFor(settings, place.kind, place.agentType);
  const models = place.modelOverride
    ? [place.modelOverride]
    : [agentSettings.model, ...agentSettings.fallbackModels.filter((m) => m !== agentSettings.model)];
  const fallbacks: { model: string; failureType: string }[] = [];
  for (const [i, name] of models.entries()) {
    try {
      const outcome = await callModel({ ...agentSettings, model: name }, { ledger, heartbeats });
      if (outcome.kind === 'insufficient_credits') return { ...outcome, ...ledger };
      return { kind: 'ok', value: outcome.value, model: name, fallbacks, ...ledger };
    } catch (err) {
      const failure = toModelFailure(err, { model: name, baseURL: endpointOf(settings) });
      const type = failure instanceof ApplicationFailure ? failure.type : undefined;
      // Cancellation is not the model's failure; everything else counts, also what a fallback model then fixes.
      if (type) model.metrics.callFailed(place.kind, name, type);
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
