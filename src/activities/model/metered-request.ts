import { Context } from '@temporalio/activity';
import OpenAI from 'openai';
import type { AgentModelSettings } from '../../config';
import { costOf, worstCaseCost } from '../../domain/credits';
import { countOutputTokens } from '../../domain/tokens';
import type { Reply } from './api-request';
import { requestCompletion, type CompletionRequest, type RequestPlace } from './chat-request';
import { countConversationTokens } from './conversation';
import { refusalFailure } from './errors';
import type { AttemptHeartbeats, InFlightRequest, SpendCheckpoint } from './heartbeats';
import type { ModelClient } from './model-client';
import { outputTokensSource } from './requested-output';

/** The spend of one activity attempt: carried in from earlier attempts, added to by each request, heartbeated. */
export interface AttemptSpend {
  ledger: SpendCheckpoint;
  heartbeats: AttemptHeartbeats;
}

export interface MeteredRequest extends CompletionRequest {
  place: RequestPlace & {
    /** Agent type the call's metrics are tagged with. */
    agentType?: string | undefined;
    /** Credits the activity may spend across all its requests and attempts, in millicredits. */
    availableMillicredits: number;
  };
  /** Whether this request sends invalid output back to be repaired (recorded on its call). */
  repair: boolean;
  /** What makes an answer that is not a refusal invalid (sent back for repair); an empty list for a valid one. */
  problemsOf: (reply: Reply) => string[];
}

export type MeteredReply =
  | { kind: 'answered'; reply: Reply; problems: string[] }
  | { kind: 'insufficient_credits'; shortfallMillicredits: number };

/**
 * One request under the credit rules: it leaves only if its worst case (every input token counted here, the output
 * schema or tool specs included, and every allowed output token) fits what is left; it is marked in flight while out;
 * and its real cost is recorded once it is answered, or its reservation if its outcome is unknown. A refusal in the
 * answer is charged, then raised.
 */
export async function sendMetered(
  model: ModelClient,
  agent: AgentModelSettings,
  spend: AttemptSpend,
  req: MeteredRequest,
): Promise<MeteredReply> {
  const { settings } = model;
  const { ledger, heartbeats } = spend;
  const counted = countConversationTokens(req.conversation, outputTokensSource(req.output));
  const reserve = worstCaseCost(
    settings.prices,
    agent.model,
    Math.ceil(counted * settings.inputTokenMargin),
    agent.maxOutputTokens,
  );
  const available = req.place.availableMillicredits - ledger.spentMillicredits;
  // The reservation gate: no request leaves unless its worst case fits what is left.
  if (reserve > available) {
    model.metrics.creditShortfall(req.place.kind, req.place.agentType);
    return { kind: 'insufficient_credits', shortfallMillicredits: reserve - available };
  }

  const started = Date.now();
  const attempt = Context.current().info.attempt;
  const inFlight = { reservedMillicredits: reserve, model: agent.model, attempt };
  let reply: Reply;
  try {
    reply = await requestCompletion(model, agent, req, { callIndex: answeredCalls(ledger), heartbeats, inFlight });
  } catch (err) {
    // A provider's error response is a known outcome (nothing billed); a request cut off is not.
    if (ledger.inFlight && !isProviderResponse(err)) chargeUnknownOutcome(ledger, inFlight);
    throw err;
  } finally {
    heartbeats.requestSettled();
  }
  const usage = reply.usage ?? {
    inputTokens: counted,
    outputTokens: countOutputTokens(reply.text + reply.toolCalls.map((c) => c.name + c.arguments).join('')),
    cachedInputTokens: 0,
    reasoningTokens: 0,
  };
  const cost = costOf(settings.prices, agent.model, usage);
  ledger.calls.push({
    model: reply.model || agent.model,
    usage,
    costMillicredits: cost,
    latencyMs: Date.now() - started,
    attempt,
    repair: req.repair,
  });
  ledger.spentMillicredits += cost;
  const problems = reply.refusal ? [] : req.problemsOf(reply);
  model.metrics.requestAnswered({
    kind: req.place.kind,
    agentType: req.place.agentType,
    model: agent.model,
    valid: !reply.refusal && problems.length === 0,
    latencyMs: Date.now() - started,
    usage,
    costMillicredits: cost,
  });
  if (reply.refusal) throw refusalFailure(agent.model, reply.refusal);
  return { kind: 'answered', reply, problems };
}

/**
 * Charges a request whose answer never came back at its reservation, its worst case: the ledger is never below what
 * the provider could bill.
 */
export function chargeUnknownOutcome(ledger: SpendCheckpoint, request: InFlightRequest): void {
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
