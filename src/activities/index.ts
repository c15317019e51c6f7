import type OpenAI from 'openai';
import type { ImplementTaskInput, PreparePlanInput, ReviewTaskInput } from '../domain/activity-contracts';
import { implementTask, reviewTask } from './agents';
import type { ModelSettings } from './model/settings';
import { preparePlan } from './planning';

export interface ActivityDependencies {
  /** The OpenAI SDK client every model call goes through. */
  openai: OpenAI;
  /** Provider, per-agent model settings and prices. */
  settings: ModelSettings;
}

/** The worker's activities over injected dependencies; workflows type their proxies from the return type. */
export function createActivities({ openai, settings }: ActivityDependencies) {
  return {
    preparePlan: (input: PreparePlanInput) => preparePlan(openai, settings, input),
    implementTask: (input: ImplementTaskInput) => implementTask(openai, settings, input),
    reviewTask: (input: ReviewTaskInput) => reviewTask(openai, settings, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
