import { z } from 'zod';

/** Token usage of one model call, as the provider reported it. */
export const Usage = z.object({
  inputTokens: z.number().int().describe('Prompt tokens billed'),
  outputTokens: z.number().int().describe('Completion tokens billed (reasoning included)'),
  cachedInputTokens: z.number().int().describe('Prompt tokens served from the provider cache'),
  reasoningTokens: z.number().int().describe('Hidden reasoning tokens within outputTokens'),
});
export type Usage = z.infer<typeof Usage>;

/** Accounting for one model request: what it cost and how it went. */
export const CallRecord = z.object({
  model: z.string().describe('Model that answered'),
  usage: Usage,
  costMillicredits: z.number().int().describe('Charged cost, in thousandths of a credit'),
  latencyMs: z.number().describe('Wall time of the request'),
  attempt: z.number().int().describe('Temporal activity attempt that made it'),
  repair: z.boolean().describe('True for the repair round after invalid output'),
  outcome: z
    .enum(['unknown'])
    .optional()
    .describe(
      'unknown: the request left but its answer never came back (worker killed, stream cut); charged at its reservation',
    ),
});
export type CallRecord = z.infer<typeof CallRecord>;

/** The kinds of model call, used for settings, pacing, simulator scenarios and request logs. */
export const CallKind = z.enum(['planner', 'implementer', 'reviewer']).describe('Which agent role makes the call');
export type CallKind = z.infer<typeof CallKind>;

/** Request headers that tell the simulator and request logs which call this is. */
export const CALL_HEADERS = {
  kind: 'x-planwright-kind',
  task: 'x-planwright-task',
  attempt: 'x-planwright-attempt',
  round: 'x-planwright-round',
  idempotencyKey: 'idempotency-key',
} as const;
