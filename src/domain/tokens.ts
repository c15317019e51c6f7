import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage } from './prompts';

/** Per-message framing tokens in the chat format (role markers and separators), plus the reply primer. */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMER_TOKENS = 3;

/**
 * Counts the input tokens of a chat request with the o200k tokenizer, the JSON schema included (the provider feeds it
 * to the model too). Other providers tokenize differently; `inputTokenMargin` in the config covers the gap.
 */
export function countInputTokens(messages: readonly ChatMessage[], schema?: object): number {
  let total = REPLY_PRIMER_TOKENS;
  for (const m of messages) total += TOKENS_PER_MESSAGE + countTokens(m.content);
  if (schema !== undefined) total += schemaTokens(schema);
  return total;
}

// Schemas are a handful of constant objects, counted on every call otherwise.
const schemaTokenCache = new WeakMap<object, number>();

function schemaTokens(schema: object): number {
  let n = schemaTokenCache.get(schema);
  if (n === undefined) {
    n = countTokens(JSON.stringify(schema));
    schemaTokenCache.set(schema, n);
  }
  return n;
}

export function countOutputTokens(text: string): number {
  return countTokens(text);
}
