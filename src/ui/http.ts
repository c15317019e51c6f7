import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXIT, ServerRefusedError, UserError } from '../infra/errors';

/** A request the UI server refuses or cannot serve: the status and a message that names the fix. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Approval bodies are a few fields; anything larger is not one of ours. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Headers on every answer. The page may not be framed (approve buttons under someone else's page would be a
 * clickjacking target), runs only its own scripts, and never sends a Referer (a `?token=` link must not leak).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Reads a JSON body of at most MAX_BODY_BYTES; the caller has checked its content type. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = new HttpError(413, `the body exceeds ${MAX_BODY_BYTES} bytes; an approval is a few fields`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/** The request's path and query; the query is never logged (it may hold a `?token=`). */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://planwright-ui');
}

/**
 * A failed read as an HTTP status: what does not exist is the caller's (404, the library's message), a server away
 * or no worker answering is 503, anything else Temporal said is 502 with its words.
 */
export function problemOf(err: unknown, what = 'the run'): { status: number; message: string } {
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  // Our credentials, not the caller's request: the server refused the UI itself.
  if (err instanceof ServerRefusedError) return { status: 502, message };
  if (err instanceof UserError) return { status: err.exitCode === EXIT.usage ? 404 : 503, message };
  const cause = (err as { cause?: { details?: unknown; message?: unknown } } | undefined)?.cause;
  const detail =
    typeof cause?.details === 'string' ? cause.details : typeof cause?.message === 'string' ? cause.message : '';
  return { status: 502, message: `cannot read ${what}: ${message}${detail ? ` (${detail})` : ''}` };
}
