import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage } from '../../domain/prompts';

/** Per-message framing tokens in the chat format (role markers and separators), plus the reply primer. */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMER_TOKENS = 3;

/**
 * Counts the input tokens of a chat request with the o200k tokenizer, the JSON schema included (the provider feeds it
 * to the model too). Other providers tokenize differently; `inputTokenMargin` in the config covers the gap.
 */
export function countInputTokens(messages: readonly ChatMessage[], schema?: unknown): number {
  let total = REPLY_PRIMER_TOKENS;
  for (const m of messages) total += TOKENS_PER_MESSAGE + countTokens(m.content);
  if (schema !== undefined) total += countTokens(JSON.stringify(schema));
  return total;
}

export function countOutputTokens(text: string): number {
  return countTokens(text);
}
