import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Cassettes: every model exchange of a run, recorded as JSON lines by a proxy in front of a real provider, and served
 * back offline so that the run replays exactly. Exchanges are matched by what determines the answer (model, messages,
 * schema, token cap, streaming); identical requests (retries) are served in the order they were recorded.
 */
export interface Exchange {
  key: string;
  kind: string;
  task?: string;
  model: string;
  status: number;
  contentType: string;
  /** Headers the client acts on (retry-after and friends). */
  headers: Record<string, string>;
  body: string;
  recordedAt: string;
}

const KEPT_HEADERS = ['retry-after', 'retry-after-ms', 'x-request-id'];

export function exchangeKey(body: Record<string, unknown>): string {
  const format = body.response_format as { json_schema?: { name?: string } } | undefined;
  // The Responses API names its parts differently: its conversation is `input` (and `instructions`), its schema
  // `text.format`, its bound `max_output_tokens`. Fields absent from a request stay out of the key, so keys of Chat
  // Completions requests without tools are what they were before tools and the Responses API counted.
  const responsesFormat = (body.text as { format?: { name?: string } } | undefined)?.format;
  const identity = {
    model: body.model,
    messages: body.messages,
    schema: format?.json_schema?.name ?? responsesFormat?.name,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens,
    stream: body.stream === true,
    ...(body.input !== undefined ? { input: body.input } : {}),
    ...(body.instructions !== undefined ? { instructions: body.instructions } : {}),
    // Two turns with the same conversation but other tools offered are different requests.
    ...(Array.isArray(body.tools) && body.tools.length > 0 ? { tools: body.tools } : {}),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}

export interface Recorder {
  /** Sends the request upstream, appends the exchange to the cassette, and returns it for the client. */
  forward(
    body: Record<string, unknown>,
    raw: string,
    meta: { path: string; kind: string; task?: string; authorization?: string },
  ): Promise<Exchange>;
}

export function createRecorder(file: string, upstream: string, apiKey: string | undefined): Recorder {
  const base = upstream.replace(/\/$/, '');
  return {
    async forward(body, raw, meta) {
      const url = `${base}${meta.path}`;
      const authorization = apiKey ? `Bearer ${apiKey}` : meta.authorization;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: raw,
      });
      const exchange: Exchange = {
        key: exchangeKey(body),
        kind: meta.kind,
        ...(meta.task ? { task: meta.task } : {}),
        model: String(body.model ?? ''),
        status: response.status,
        contentType: response.headers.get('content-type') ?? 'application/json',
        headers: Object.fromEntries(
          KEPT_HEADERS.flatMap((h) => (response.headers.get(h) ? [[h, response.headers.get(h)!]] : [])),
        ),
        body: await response.text(),
        recordedAt: new Date().toISOString(),
      };
      // Appended as it happens: a run that dies half-way still leaves what it recorded.
      appendFileSync(file, `${JSON.stringify(exchange)}\n`);
      return exchange;
    },
  };
}

export interface Player {
  /** The next recorded exchange for this request, or undefined when the cassette has none left. */
  next(body: Record<string, unknown>): Exchange | undefined;
}

export function loadPlayer(file: string): Player {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read cassette ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const queues = new Map<string, Exchange[]>();
  text
    .split('\n')
    .filter((line) => line.trim())
    .forEach((line, i) => {
      let exchange: Exchange;
      try {
        exchange = JSON.parse(line) as Exchange;
      } catch {
        throw new Error(`cassette ${file}, line ${i + 1}: not valid JSON; re-record it`);
      }
      queues.set(exchange.key, [...(queues.get(exchange.key) ?? []), exchange]);
    });
  return { next: (body) => queues.get(exchangeKey(body))?.shift() };
}
