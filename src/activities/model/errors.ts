import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { ContentFilterFinishReasonError } from 'openai/error';
import {
  MODEL_AUTHENTICATION,
  MODEL_BAD_REQUEST,
  MODEL_CONFLICT,
  MODEL_CONNECTION_ERROR,
  MODEL_CONTEXT_LENGTH,
  MODEL_NOT_FOUND,
  MODEL_PERMISSION_DENIED,
  MODEL_RATE_LIMITED,
  MODEL_REFUSAL,
  MODEL_SERVER_ERROR,
  MODEL_STREAM_STALLED,
  MODEL_TIMEOUT,
} from '../../domain/errors';
import { redactUrl, redactUrlsIn } from '../../domain/redact';

/** Whether another model in the fallback list could succeed where this failure's model did not. */
export const FALLBACK_WORTHY_FAILURES: readonly string[] = [MODEL_NOT_FOUND, MODEL_CONTEXT_LENGTH];

/** Delay the provider asked for, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function failure(type: string, message: string, nonRetryable: boolean, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable,
    ...(nextRetryDelayMs !== undefined ? { nextRetryDelay: nextRetryDelayMs } : {}),
  });
}

/**
 * Maps anything the OpenAI SDK throws to an `ApplicationFailure` whose type says what happened and whose
 * retryability follows the HTTP status: 408/409/429/5xx and network errors retry, other 4xx do not. Its message
 * becomes part of the history and the report, so URLs in it are redacted (src/domain/redact.ts).
 */
export function toModelFailure(err: unknown, context: { model: string; baseURL: string }): Error {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const where = `model "${context.model}" at ${redactUrl(context.baseURL)}`;
  if (err instanceof OpenAI.APIUserAbortError) return new CancelledFailure('model call cancelled');
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return failure(MODEL_TIMEOUT, `${where}: request timed out`, false);
  }
  if (err instanceof OpenAI.APIConnectionError) {
    // Node's fetch quotes the whole request URL, e.g. when it refuses one with `user:password@` in it.
    const cause = redactUrlsIn(String(err.cause ?? err.message));
    return failure(MODEL_CONNECTION_ERROR, `${where}: connection failed (${cause})`, false);
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const detail = redactUrlsIn(err.message);
    const code = typeof err.code === 'string' ? err.code : '';
    if (status === 429) {
      return failure(MODEL_RATE_LIMITED, `${where}: rate limited (${detail})`, false, retryAfterMs(err.headers));
    }
    if (status === 408) return failure(MODEL_TIMEOUT, `${where}: provider timed out (${detail})`, false);
    if (status === 409)
      return failure(MODEL_CONFLICT, `${where}: conflict (${detail})`, false, retryAfterMs(err.headers));
    if (status >= 500) {
      return failure(
        MODEL_SERVER_ERROR,
        `${where}: server error ${status} (${detail})`,
        false,
        retryAfterMs(err.headers),
      );
    }
    if (status === 401) {
      return failure(MODEL_AUTHENTICATION, `${where}: authentication failed; check the API key variable`, true);
    }
    if (status === 403) {
      return failure(MODEL_PERMISSION_DENIED, `${where}: permission denied (${detail}); check the key's access`, true);
    }
    if (status === 404) {
      return failure(MODEL_NOT_FOUND, `${where}: not found (${detail}); check the model name and base URL`, true);
    }
    if (code === 'context_length_exceeded' || /context length|maximum context/i.test(detail)) {
      return failure(MODEL_CONTEXT_LENGTH, `${where}: prompt too long (${detail}); use a larger model`, true);
    }
    return failure(MODEL_BAD_REQUEST, `${where}: request rejected with ${status} (${detail})`, true);
  }
  if (err instanceof ContentFilterFinishReasonError) {
    return failure(MODEL_REFUSAL, `${where}: output blocked by the content filter`, true);
  }
  if (err instanceof Error) return err;
  return new Error(String(err));
}

/** A refusal in the model's answer (structured-output refusal field) is final for this request. */
export function refusalFailure(model: string, refusal: string): ApplicationFailure {
  return failure(MODEL_REFUSAL, `model "${model}" refused: ${refusal}; rephrase the task or its constraints`, true);
}

/** How a stream was cut for silence: before the answer's first token or while it flowed, and after how long. */
export interface StreamStall {
  beforeFirstToken: boolean;
  limitMs: number;
}

/**
 * A stream that went silent past its limit was cut: retryable (the next attempt usually gets a live connection), and
 * the message names the limit that fired and the setting that raises it.
 */
export function streamStalledFailure(
  context: { model: string; baseURL: string },
  stall: StreamStall,
): ApplicationFailure {
  const setting = stall.beforeFirstToken ? 'streamFirstTokenTimeoutMs' : 'streamIdleTimeoutMs';
  const when = stall.beforeFirstToken ? "before the answer's first token" : 'in the middle of the answer';
  return failure(
    MODEL_STREAM_STALLED,
    `model "${context.model}" at ${redactUrl(context.baseURL)}: the stream sent nothing for ${stall.limitMs / 1000} s ${when}, ` +
      `so it was cut to be retried; if this model needs longer, raise ${setting} (now ${stall.limitMs}) for this ` +
      'agent in planwright.config.json',
    false,
  );
}
