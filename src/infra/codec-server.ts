import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PayloadCodecError } from './codec/errors';
import { JsonPayloads, payloadFromJson, payloadToJson } from './codec/payload-json';

export const DEFAULT_CODEC_SERVER_PORT = 8888;
/** Bodies above this are refused (413): one history event's payloads are at most 2 MiB, 2.7 MiB in base64. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 2 ** 20;
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export interface CodecServerOptions {
  /** The payload codecs, in encoding order (the data converter's `payloadCodecs`). */
  codecs: readonly PayloadCodec[];
  /** Default 8888; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: only this machine (and its browser) can reach it. */
  host?: string;
  /** Browser origins allowed to call it, e.g. http://localhost:8233; a request from any other origin gets 403. */
  origins?: readonly string[];
  /** When set, every POST must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Default 8 MiB. */
  maxBodyBytes?: number;
  /** Receives one line per refused or failed request (never payload contents). */
  log?: (line: string) => void;
}

export interface CodecServer {
  /** e.g. http://127.0.0.1:8888 */
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The codec server protocol of the Temporal Web UI and CLI: POST `…/encode` and `…/decode` (only the last path
 * segment counts, so `/{namespace}/decode` works too) with `{ payloads: [...] }` in proto3 JSON, answered in the same
 * shape. CORS answers allowed origins only; an Origin check stops other web pages, not other programs: those need
 * the token, or a server that listens only where they cannot reach it.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set((options.origins ?? []).map((o) => new URL(o).origin));
  const token = options.token ? digest(options.token) : undefined;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin !== undefined) {
      if (!origins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed; add --origin ${origin}`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    const operation = /\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1] as
      'encode' | 'decode' | undefined;
    if (!operation) throw new HttpError(404, 'not found; POST to /encode or /decode');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        // Chrome asks before a public page (e.g. a hosted Web UI) calls a server on a private address.
        ...(req.headers['access-control-request-private-network']
          ? { 'Access-Control-Allow-Private-Network': 'true' }
          : {}),
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { Allow: 'POST, OPTIONS' });
    if (token) {
      const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!given || !timingSafeEqual(digest(given), token)) {
        throw new HttpError(401, 'missing or wrong bearer token (PLANWRIGHT_CODEC_TOKEN)', {
          'WWW-Authenticate': 'Bearer',
        });
      }
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      throw new HttpError(415, 'send Content-Type: application/json');
    }
    const body = await readJson(req, maxBodyBytes);
    const parsed = JsonPayloads.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}: ` : '';
      throw new HttpError(400, `${where}the body must be {"payloads": [{"metadata": {…}, "data": "<base64>"}]}`);
    }
    let payloads: Payload[] = parsed.data.payloads.map(payloadFromJson);
    const codecs = operation === 'encode' ? options.codecs : [...options.codecs].reverse();
    for (const codec of codecs) payloads = await codec[operation](payloads);
    send(res, 200, { payloads: payloads.map(payloadToJson) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof PayloadCodecError ? 422 : 500;
      const message = err instanceof Error ? err.message : String(err);
      options.log?.(`${status} ${req.method} ${req.url} (origin ${req.headers.origin ?? 'none'}): ${message}`);
      if (res.headersSent) return void res.destroy();
      if (status === 413) res.setHeader('Connection', 'close');
      send(res, status, { error: status === 500 ? 'internal error; see the codec server log' : message }, err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_SERVER_PORT, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  // Listening on every address: point people at this machine's own.
  const host = ['0.0.0.0', '::'].includes(address) ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: unknown, err?: unknown): void {
  const headers = err instanceof HttpError ? err.headers : {};
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = new HttpError(413, `the body exceeds ${maxBytes} bytes; decode fewer payloads at once`);
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}
