import { REDACTED } from '../../domain/redact';

/**
 * What a server was handed from the worker's environment (envFrom values, header values) must never reach a result, a
 * failure or a log line, since all of those can end up in a history. A server that echoes its token in an error, or
 * a tool that prints its environment, is answered with `***` in its place. Literal `env` values of the config are
 * not secrets (the config says so) and are left alone: redacting "production" everywhere would garble results.
 */

/** Shorter values are not redacted: replacing every "1" or "true" in a result would garble it and hide nothing. */
export const MIN_SECRET_CHARS = 6;
/** Words of a value ("<token>" of "Bearer <token>") are redacted alone from this length, which scheme names lack. */
const MIN_SECRET_WORD_CHARS = 12;

/** Replaces every known secret in a text. */
export type Redact = (text: string) => string;

/**
 * A redactor for `values` and for their long whitespace-separated words (so the token of "Bearer <token>" is caught
 * alone too), longest first so that a value containing another is replaced whole.
 */
export function createRedactor(values: Iterable<string>): Redact {
  const secrets = new Set<string>();
  for (const value of values) {
    if (value.length >= MIN_SECRET_CHARS) secrets.add(value);
    for (const word of value.split(/\s+/)) if (word.length >= MIN_SECRET_WORD_CHARS) secrets.add(word);
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => ordered.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
