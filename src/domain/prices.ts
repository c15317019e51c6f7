import { z } from 'zod';
import { FALLBACK_PRICE } from './credits';

/**
 * What models cost, in credits per 1,000 tokens. Kept apart from the credit math in ./credits.ts so that the math stays
 * free of zod: task workflows import it, and every module a task workflow loads is evaluated again for each task.
 * A model without a price is charged at the table's `'*'` entry: FALLBACK_PRICE (./credits.ts), gpt-4.1-mini's price.
 */

export const ModelPrice = z.object({
  inputPer1K: z.number().min(0).describe('Credits per 1,000 input tokens'),
  outputPer1K: z.number().min(0).describe('Credits per 1,000 output tokens (reasoning tokens included)'),
  cachedInputPer1K: z.number().min(0).optional().describe('Credits per 1,000 cached input tokens; default: inputPer1K'),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.record(z.string(), ModelPrice).describe('Price per model name; "*" is the fallback');
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * The built-in table, in proportion to OpenAI's standard-tier list prices per 1M tokens (input, cached input, output)
 * as published on platform.openai.com/docs/pricing in late 2025: one credit is what 1,000 input tokens of gpt-4.1-mini
 * cost ($0.40 per 1M), so credits per 1K tokens = dollars per 1M tokens / 0.40. Reasoning tokens are billed as output.
 *
 * A model the table does not name (a newer OpenAI model, a dated snapshot such as `gpt-5-2025-08-07`, a local model)
 * is charged at the `'*'` entry, FALLBACK_PRICE in ./credits.ts: gpt-4.1-mini's price, 1 credit in and 4 out per 1K.
 * That under-charges a dearer model, so give each model you use a price in the config's `prices`.
 */
export const DEFAULT_PRICES: PriceTable = {
  '*': FALLBACK_PRICE,
  // $1.25 / $0.125 / $10
  'gpt-5': { inputPer1K: 3.125, outputPer1K: 25, cachedInputPer1K: 0.3125 },
  'gpt-5.1': { inputPer1K: 3.125, outputPer1K: 25, cachedInputPer1K: 0.3125 },
  // $0.25 / $0.025 / $2
  'gpt-5-mini': { inputPer1K: 0.625, outputPer1K: 5, cachedInputPer1K: 0.0625 },
  // $0.05 / $0.005 / $0.40
  'gpt-5-nano': { inputPer1K: 0.125, outputPer1K: 1, cachedInputPer1K: 0.0125 },
  // $15 / $7.50 / $60
  o1: { inputPer1K: 37.5, outputPer1K: 150, cachedInputPer1K: 18.75 },
  // $2 / $0.50 / $8
  o3: { inputPer1K: 5, outputPer1K: 20, cachedInputPer1K: 1.25 },
  // $1.10 / $0.55 / $4.40
  'o3-mini': { inputPer1K: 2.75, outputPer1K: 11, cachedInputPer1K: 1.375 },
  // $1.10 / $0.275 / $4.40
  'o4-mini': { inputPer1K: 2.75, outputPer1K: 11, cachedInputPer1K: 0.6875 },
  // $2 / $0.50 / $8
  'gpt-4.1': { inputPer1K: 5, outputPer1K: 20, cachedInputPer1K: 1.25 },
  // $0.40 / $0.10 / $1.60
  'gpt-4.1-mini': { inputPer1K: 1, outputPer1K: 4, cachedInputPer1K: 0.25 },
  // $0.10 / $0.025 / $0.40
  'gpt-4.1-nano': { inputPer1K: 0.25, outputPer1K: 1, cachedInputPer1K: 0.0625 },
  // $2.50 / $1.25 / $10
  'gpt-4o': { inputPer1K: 6.25, outputPer1K: 25, cachedInputPer1K: 3.125 },
  // $0.15 / $0.075 / $0.60
  'gpt-4o-mini': { inputPer1K: 0.375, outputPer1K: 1.5, cachedInputPer1K: 0.1875 },
};
