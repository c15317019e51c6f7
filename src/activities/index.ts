import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type OpenAI from 'openai';
import type { ModelSettings } from '../config';
import type { ImplementTaskInput, PreparePlanInput, ReviewTaskInput } from '../domain/activity-contracts';
import type { RunNotification } from '../domain/notifications';
import { implementTask, reviewTask } from './agents';
import { collectTaskOutcomes, confirmTaskOutcome } from './hand-over';
import { ModelMetrics } from './model/metrics';
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

/** The worker's activities over injected dependencies; workflows type their proxies from the return type. */
export function createActivities({ openai, settings, meter }: ActivityDependencies) {
  // One pacer per worker: every model call of every activity here shares it. Metric instruments are made once too.
  const model = {
    openai,
    settings,
    pacer: createPacer(settings.provider.requestsPerSecond),
    metrics: new ModelMetrics(meter ?? noopMetricMeter),
  };
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
