import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type OpenAI from 'openai';
import type { ModelSettings } from '../config';
import type { ImplementTaskInput, PreparePlanInput, ReviewTaskInput } from '../domain/activity-contracts';
import type { RunNotification } from '../domain/notifications';
import { implementTask, reviewTask } from './agents';
import { collectTaskOutcomes, confirmTaskOutcome } from './hand-over';
import { ModelMetrics } from './model/metrics';
import type { ModelClient } from './model/model-client';
import { createPacer } from './model/pacer';
import { notify } from './notify';
import { preparePlan } from './planning';

export interface ActivityDependencies {
  /** The OpenAI SDK client every model call goes through. */
  openai: OpenAI;
  /** Provider, per-agent model settings and prices. */
  settings: ModelSettings;
  /** Where the model-call metrics go: the worker's runtime meter (it exports only when an exporter is installed). */
  meter?: MetricMeter;
}

/**
 * What every model call of a worker process shares: one pacer (so the worker keeps to its rate however many queues
 * it polls) and one set of metric instruments.
 */
export function createModelClient({ openai, settings, meter }: ActivityDependencies): ModelClient {
  return {
    openai,
    settings,
    pacer: createPacer(settings.provider.requestsPerSecond),
    metrics: new ModelMetrics(meter ?? noopMetricMeter),
  };
}

/** The worker's activities over injected dependencies; workflows type their proxies from the return type. */
export function createActivities(deps: ActivityDependencies & { model?: ModelClient }) {
  const model = deps.model ?? createModelClient(deps);
  const { settings } = model;
  return {
    preparePlan: (input: PreparePlanInput) => preparePlan(model, input),
    implementTask: (input: ImplementTaskInput) => implementTask(model, input),
    reviewTask: (input: ReviewTaskInput) => reviewTask(model, input),
    collectTaskOutcomes,
    confirmTaskOutcome,
    notify: (notification: RunNotification) => notify(settings, notification),
  };
}

export type Activities = ReturnType<typeof createActivities>;
