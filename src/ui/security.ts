import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { UserError } from '../infra/errors';
import { HttpError } from './http';

/**
 * The UI server's guards against other web pages and other machines. The page approves credits, so:
 * - DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 reaches this server with its own name in
 *   the Host header; only the names this server is reached by are answered (421 otherwise).
 * - Cross-site requests: reads refuse `Sec-Fetch-Site: cross-site`; a decision must come from our own page (Origin),
 *   as JSON (which a form cannot send), carrying the session's CSRF token in a header (which no other site can read).
 * - Other machines: off loopback the server refuses to start without a way to tell who approves (checkUiExposure).
 */

/** The header carrying the session's CSRF token on every POST. */
export const CSRF_HEADER = 'x-planwright-csrf';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const isWildcard = (host: string) => ['0.0.0.0', '::', '[::]'].includes(host);

/** How a host appears in a Host header: IPv6 addresses in brackets, names in lower case. */
const headerName = (host: string) => (isIP(host) === 6 ? `[${host}]` : host.toLowerCase());

/**
 * Refuses, before anything listens, to serve approvals to other machines without knowing who approves. The message is
 * the one line the CLI prints.
 */
export function checkUiExposure(options: { host: string; hasTokens: boolean; proxyHeader?: string }): void {
  if (isLoopbackHost(options.host) || options.hasTokens || options.proxyHeader) return;
  throw new UserError(
    `--host ${options.host} lets other machines approve credits, so the UI must know who they are: give each person a ` +
      'token (PLANWRIGHT_UI_TOKENS="ana=<token>,…" or --tokens FILE), or, only behind an authenticating proxy, ' +
      '--trust-proxy-header X-Forwarded-User; or keep the default --host 127.0.0.1',
  );
}

/** Which Host headers a server bound to `host`:`port` answers; `extra` names match any port (e.g. a proxy's name). */
export interface HostCheck {
  (req: IncomingMessage): void;
  /** The names:ports answered, for the startup line and error messages. */
  readonly allowed: readonly string[];
}

export function createHostCheck(host: string, port: number, extra: readonly string[] = []): HostCheck {
  // The bound address first: error messages suggest the first name.
  const names = new Set<string>(isWildcard(host) ? [] : [headerName(host)]);
  if (isLoopbackHost(host) || isWildcard(host)) LOOPBACK_NAMES.forEach((n) => names.add(n));
  if (isWildcard(host)) {
    // Bound to every address: this machine's own name and addresses are how people on the network reach it.
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(headerName(a.address.replace(/%.*$/, '')));
    }
  }
  const withPort = new Set([...names].map((n) => `${n}:${port}`));
  const anyPort = new Set(extra.map((n) => n.toLowerCase()));
  const check = (req: IncomingMessage) => {
    const raw = (req.headers.host ?? '').toLowerCase();
    const match = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d+))?$/.exec(raw);
    const name = match?.[1] ?? '';
    const given = `${name}:${match?.[2] ?? '80'}`;
    if (withPort.has(given) || anyPort.has(name) || anyPort.has(raw)) return;
    throw new HttpError(
      421,
      `this server does not answer to the name ${JSON.stringify(raw || '(none)')}; open it as ` +
        `http://${[...withPort][0]}/ (or start it with --allowed-host ${name || 'NAME'} when a proxy forwards that name)`,
    );
  };
  return Object.assign(check, { allowed: [...withPort, ...anyPort] });
}

/** Reads may come from our page or be typed in the address bar, never be embedded in another site's page. */
export function checkReadOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new HttpError(403, `refused a ${site} request: the API answers only the Planwright UI's own page`);
  }
}

/**
 * A decision (POST) must come from our own page: same origin, JSON, and the session's CSRF token in CSRF_HEADER. The
 * Host header has passed createHostCheck, so comparing the Origin with it compares it with our own name.
 */
export function checkDecisionOrigin(req: IncomingMessage, csrfToken: string): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') {
    throw new HttpError(403, `refused a ${site} request: decisions are taken only from the Planwright UI's own page`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== (req.headers.host ?? '').toLowerCase()) {
    throw new HttpError(403, `refused a request from ${origin}: decisions are taken only from this server's own page`);
  }
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'send the decision as JSON (Content-Type: application/json)');
  }
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, csrfToken)) {
    throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header; reload the page to get a fresh session`);
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares two secrets in time that does not depend on where they differ (both are hashed to one length first). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
