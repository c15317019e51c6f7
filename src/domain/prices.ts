import { z } from 'zod';
import { FALLBACK_PRICE } from './credits';

/**
 * What models cost, in credits per 1,000 tokens. Kept apart from the credit math in ./credits.ts so that the math stays
 * free of zod: task workflows import it, and every module a task workflow loads is evaluated again for each task.
 */

export const ModelPrice = z.object({
  inputPer1K: z.number().min(0).describe('Credits per 1,000 input tokens'),
  outputPer1K: z.number().min(0).describe('Credits per 1,000 output tokens (reasoning tokens included)'),
  cachedInputPer1K: z.number().min(0).optional().describe('Credits per 1,000 cached input tokens; default: inputPer1K'),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.record(z.string(), ModelPrice).describe('Price per model name; "*" is the fallback');
export type PriceTable = z.infer<typeof PriceTable>;

/** One credit buys 1,000 input tokens of a mid-size model; output costs four times as much. */
export const DEFAULT_PRICES: PriceTable = {
  '*': FALLBACK_PRICE,
  'gpt-4.1': { inputPer1K: 5, outputPer1K: 20, cachedInputPer1K: 1.25 },
  'gpt-4.1-mini': { inputPer1K: 1, outputPer1K: 4, cachedInputPer1K: 0.25 },
  'gpt-4.1-nano': { inputPer1K: 0.25, outputPer1K: 1, cachedInputPer1K: 0.0625 },
  'gpt-4o-mini': { inputPer1K: 0.4, outputPer1K: 1.5, cachedInputPer1K: 0.2 },
};
