import type { MetricCounter, MetricHistogram, MetricMeter } from '@temporalio/common';
import type { CallKind, Usage } from '../../domain/model';

/**
 * Planwright's own worker metrics, exported beside the SDK's `temporal_*` ones when the worker runs with a metrics
 * exporter (`planwright worker --prometheus` or `--otlp`), and free no-ops otherwise. Tags stay low-cardinality on
 * purpose: call kind, agent type (of the task the call is for; the planner's calls are tagged "planner"), model and
 * outcome, never run or task ids (those belong in the event history).
 */
export class ModelMetrics {
  private readonly requests: MetricCounter;
  private readonly latency: MetricHistogram;
  private readonly tokens: MetricCounter;
  private readonly credits: MetricCounter;
  private readonly failures: MetricCounter;
  private readonly shortfalls: MetricCounter;

  constructor(meter: MetricMeter) {
    this.requests = meter.createCounter(
      'planwright_model_requests',
      'requests',
      'Model requests answered, by outcome: ok, or invalid_output (sent back for repair or failed)',
    );
    this.latency = meter.createHistogram(
      'planwright_model_request_latency',
      'int',
      'ms',
      'Time from sending a model request to its full answer',
    );
    this.tokens = meter.createCounter('planwright_model_tokens', 'tokens', 'Tokens used, by direction: input, output');
    this.credits = meter.createCounter(
      'planwright_credits_spent',
      'millicredits',
      'Credits charged for model requests, in thousandths of a credit',
    );
    this.failures = meter.createCounter(
      'planwright_model_failures',
      'failures',
      'Model calls that failed, by failure type (rate limits, timeouts, refusals, ...); Temporal retries the retryable ones',
    );
    this.shortfalls = meter.createCounter(
      'planwright_credit_shortfalls',
      'calls',
      "Calls not sent because their worst case did not fit the task's credits (the task then asks for more)",
    );
  }

  requestAnswered(r: {
    kind: CallKind;
    agentType: string | undefined;
    model: string;
    valid: boolean;
    latencyMs: number;
    usage: Usage;
    costMillicredits: number;
  }): void {
    const tags = { kind: r.kind, agent_type: r.agentType ?? r.kind, model: r.model };
    this.requests.add(1, { ...tags, outcome: r.valid ? 'ok' : 'invalid_output' });
    this.latency.record(Math.max(0, Math.round(r.latencyMs)), { kind: r.kind, model: r.model });
    this.tokens.add(r.usage.inputTokens, { kind: r.kind, model: r.model, direction: 'input' });
    this.tokens.add(r.usage.outputTokens, { kind: r.kind, model: r.model, direction: 'output' });
    if (r.costMillicredits > 0) this.credits.add(r.costMillicredits, { kind: r.kind, agent_type: tags.agent_type });
  }

  callFailed(kind: CallKind, model: string, failureType: string): void {
    this.failures.add(1, { kind, model, failure_type: failureType });
  }

  creditShortfall(kind: CallKind, agentType: string | undefined): void {
    this.shortfalls.add(1, { kind, agent_type: agentType ?? kind });
  }
}
