import type OpenAI from 'openai';
import type { z } from 'zod';
import type { ModelSettings } from '../../config';
import type { CallKind } from '../../domain/model';
import type { ChatMessage } from '../../domain/prompts';
import type { ModelMetrics } from './metrics';
import type { Pacer } from './pacer';

/** What every model call of a worker shares: one OpenAI client, the settings, one pacer and the metric instruments. */
export interface ModelClient {
  openai: OpenAI;
  settings: ModelSettings;
  pacer: Pacer;
  metrics: ModelMetrics;
}

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
  /** Refuse keys the schema does not know (sent back in a repair round) rather than dropping them silently. */
  strictKeys?: boolean;
  /** Repair rounds after invalid output before failing; default 1. */
  maxRepairs?: number;
  /** Use this model instead of the configured one (escalation after repeated review failures). */
  modelOverride?: string;
}
