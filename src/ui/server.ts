import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api';
import type { UiBackend } from './backend';
import { HttpError, requestUrl, SECURITY_HEADERS, sendJson } from './http';
import { authenticate, Sessions, signInWithToken, type UiAuth } from './identity';
import { RunWatchers, type RunWatchersOptions } from './live-updates';
import { checkReadOrigin, checkUiExposure, createHostCheck, type HostCheck } from './security';
import { assetFile, isPagePath, serveAsset } from './static-files';

/**
 * `planwright ui`: a web page over the client library. Routes: the page (`/`, `/runs/<id>`, `/runs/<id>/tasks/<id>`)
 * and its files (`/app/…`, `/vendor/…`), open to anyone who passes the Host check since they hold no data; the JSON
 * API and the live stream under `/api/…`, for signed-in sessions only (see identity.ts and security.ts).
 */

export const DEFAULT_UI_PORT = 8234;

export interface UiServerOptions {
  backend: UiBackend;
  /** Who is at the page; see UiAuth. */
  auth: UiAuth;
  /** Default 127.0.0.1 (this machine only). Other addresses need tokens or a proxy header (checkUiExposure). */
  host?: string;
  /** Default DEFAULT_UI_PORT; 0 picks a free port. */
  port?: number;
  /** More names the server answers to in the Host header, on any port (e.g. the proxy's public name). */
  allowedHosts?: readonly string[];
  watchers?: RunWatchersOptions;
  /** Receives one line per refused request and per decision; never tokens, cookies or query strings. */
  log?: (line: string) => void;
}

export interface UiServer {
  /** e.g. http://127.0.0.1:8234 */
  url: string;
  /** The Host header values answered. */
  allowedHosts: readonly string[];
  watchers: RunWatchers;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  checkUiExposure({
    host,
    hasTokens: options.auth.kind === 'tokens',
    ...(options.auth.kind === 'proxy' ? { proxyHeader: options.auth.header } : {}),
  });
  const log = options.log ?? (() => undefined);
  const sessions = new Sessions();
  const watchers = new RunWatchers((runId) => options.backend.readRun(runId), options.watchers);
  // Known once the server listens (port 0 picks one); no request arrives before.
  const bound: { port: number; hostCheck?: HostCheck } = { port: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    bound.hostCheck!(req);
    const url = requestUrl(req);
    if (url.pathname.startsWith('/api/')) {
      checkReadOrigin(req);
      const caller = authenticate(req, options.auth, sessions, bound.port);
      if (caller.cookie) res.setHeader('Set-Cookie', caller.cookie);
      return handleApi(req, res, url, {
        backend: options.backend,
        watchers,
        session: caller.session,
        authKind: options.auth.kind,
        log,
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, 'the page is read with GET', { Allow: 'GET, HEAD' });
    const file = assetFile(url.pathname);
    if (!file) throw new HttpError(404, `no such page: ${url.pathname}`);
    const token = url.searchParams.get('token');
    if (token !== null && isPagePath(url.pathname) && options.auth.kind === 'tokens') {
      // The page drops the token from the address bar at once; the cookie stands for it from now on.
      const caller = signInWithToken(token, options.auth, sessions, bound.port);
      res.setHeader('Set-Cookie', caller.cookie!);
      log(`${caller.session.name} signed in`);
    }
    serveAsset(req, res, file, {});
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      const path = requestUrl(req).pathname;
      log(`${status} ${req.method} ${path}: ${status === 500 ? message : message.slice(0, 300)}`);
      if (res.headersSent) return void res.destroy();
      const headers = err instanceof HttpError ? err.headers : {};
      const error = status === 500 ? 'internal error; see the log of `planwright ui`' : message;
      if (path.startsWith('/api/')) return sendJson(res, status, { error }, headers);
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${error}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_UI_PORT, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const port = address.port;
  const hostCheck = createHostCheck(host, port, options.allowedHosts);
  Object.assign(bound, { port, hostCheck });
  // Bound to every address: point people at this machine's own name.
  const shown = ['0.0.0.0', '::'].includes(address.address)
    ? 'localhost'
    : address.address.includes(':')
      ? `[${address.address}]`
      : address.address;
  return {
    url: `http://${shown}:${port}`,
    allowedHosts: hostCheck.allowed,
    watchers,
    close: () =>
      new Promise<void>((resolve) => {
        watchers.closeAll();
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}
