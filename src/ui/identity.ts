import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { UserError } from '../infra/errors';
import { HttpError } from './http';
import { sameSecret } from './security';

/**
 * Who is at the page. The name recorded with a decision always comes from here, never from a form field:
 * - local: on loopback without tokens, the person who started the server (the OS user);
 * - tokens: each person has a token; opening `/?token=…` once gives them a session cookie bound to their name;
 * - proxy: an authenticating proxy in front (OIDC) names the person in a header, and optionally their groups in
 *   another (for `group:` entries of a run's approver list); trusted only when configured.
 * Every mode keeps a session (HttpOnly, SameSite=Strict cookie) holding the CSRF token of the page's decisions.
 */
export type UiAuth =
  | { kind: 'local'; user: string }
  | { kind: 'tokens'; tokens: TokenTable }
  | { kind: 'proxy'; header: string; groupsHeader?: string };

/** Shortest token accepted: guessing it must be out of reach (`openssl rand -base64 24` gives 32 characters). */
export const MIN_TOKEN_CHARS = 16;
/** Longest name recorded with a decision (the run's own limit for `by`). */
const MAX_NAME_CHARS = 200;
/** Most groups, and longest group name, a decision may carry (the run's own limits). */
const MAX_GROUPS = 20;
const MAX_GROUP_CHARS = 100;
/** A session ends this long after it began; the person opens their token link again. */
const SESSION_TTL_MS = 7 * 24 * 3600_000;
/** Sessions kept at once; the oldest goes first, so nobody can fill the server's memory with sessions. */
const MAX_SESSIONS = 10_000;

/** Tokens and the names they stand for; lookups compare every token in constant time. */
export interface TokenTable {
  readonly size: number;
  nameOf(token: string): string | undefined;
}

/**
 * Reads `name=token` entries, one a line or separated by commas; blank lines and `# comments` are skipped. The name
 * ends at the first "=", so base64 tokens with padding stay whole. `source` names where they came from in errors.
 */
export function parseUiTokens(text: string, source: string): TokenTable {
  const entries: { token: string; name: string }[] = [];
  const lines = text.split(/[\n,]/).map((l) => l.replace(/#.*$/, '').trim());
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    const at = line.indexOf('=');
    const name = at < 0 ? '' : line.slice(0, at).trim();
    const token = at < 0 ? '' : line.slice(at + 1).trim();
    // The entry is never echoed: it holds a secret.
    const where = `${source}, entry ${i + 1}`;
    if (!name || !token) throw new UserError(`${where}: write each entry as name=token`);
    if (name.length > MAX_NAME_CHARS) throw new UserError(`${where}: the name is longer than ${MAX_NAME_CHARS}`);
    if (token.length < MIN_TOKEN_CHARS) {
      throw new UserError(
        `${where}: ${name}'s token is shorter than ${MIN_TOKEN_CHARS} characters; use \`openssl rand -base64 24\``,
      );
    }
    if (entries.some((e) => sameSecret(e.token, token))) throw new UserError(`${where}: ${name}'s token is taken`);
    // One token a person: a second would be a spare key nobody remembers to revoke when the first is replaced.
    if (entries.some((e) => e.name === name)) {
      throw new UserError(`${where}: ${name} has a token already (one token per name): remove the older entry`);
    }
    entries.push({ token, name });
  }
  if (entries.length === 0) throw new UserError(`${source} has no name=token entry`);
  return {
    size: entries.length,
    nameOf(token) {
      let found: string | undefined;
      // No early exit: how long a lookup takes says nothing about which token matched, or how far.
      for (const e of entries) if (sameSecret(token, e.token) && found === undefined) found = e.name;
      return found;
    },
  };
}

export interface Session {
  id: string;
  name: string;
  /** The person's groups, as the proxy in front says them (proxy mode with a groups header only). */
  groups?: string[];
  csrfToken: string;
  expiresAt: number;
}

/** The sessions of one server, in memory: a restarted server asks people to open their link again. */
export class Sessions {
  private readonly byId = new Map<string, Session>();
  constructor(private readonly now: () => number = Date.now) {}

  create(name: string, groups?: string[]): Session {
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      name,
      ...(groups ? { groups } : {}),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    const session = id ? this.byId.get(id) : undefined;
    if (session && session.expiresAt <= this.now()) {
      this.byId.delete(session.id);
      return undefined;
    }
    return session;
  }
}

/** Who a request comes from, with their session; `cookie` is set when the session is new. */
export interface Caller {
  session: Session;
  cookie?: string;
}

/** The cookie's name carries the port: cookies are shared by every port of a host, sessions are not. */
export const sessionCookieName = (port: number) => `planwright_session_${port}`;

export function sessionCookie(port: number, session: Session, secure: boolean): string {
  return (
    `${sessionCookieName(port)}=${session.id}; Path=/; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}${secure ? '; Secure' : ''}`
  );
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * Who sent `req`: their session, or a new one where the mode says who they are without one (local, proxy). In token
 * mode a request without a session is refused (401) with the fix; `/?token=…` is handled by signInWithToken.
 */
export function authenticate(req: IncomingMessage, auth: UiAuth, sessions: Sessions, port: number): Caller {
  const existing = sessions.get(cookieValue(req, sessionCookieName(port)));
  const secure = auth.kind === 'proxy' && req.headers['x-forwarded-proto'] === 'https';
  const fresh = (name: string, groups?: string[]): Caller => {
    const session = sessions.create(name, groups);
    return { session, cookie: sessionCookie(port, session, secure) };
  };
  switch (auth.kind) {
    case 'local':
      return existing ? { session: existing } : fresh(auth.user);
    case 'tokens':
      if (existing) return { session: existing };
      throw new HttpError(401, 'not signed in: open the link with your token once (http://<this server>/?token=…)');
    case 'proxy': {
      const name = proxyName(req, auth.header);
      const groups = auth.groupsHeader ? proxyGroups(req, auth.groupsHeader) : undefined;
      // The proxy's word wins: a session made for someone else (or for other groups) is replaced, never reused.
      const same = existing?.name === name && (existing.groups ?? []).join('\n') === (groups ?? []).join('\n');
      return same ? { session: existing } : fresh(name, groups);
    }
  }
}

function proxyName(req: IncomingMessage, header: string): string {
  const raw = req.headers[header.toLowerCase()];
  const name = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!name) {
    throw new HttpError(
      401,
      `no ${header} header: this server trusts the proxy in front of it to name the person; reach it through that proxy`,
    );
  }
  if (name.length > MAX_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new HttpError(400, `the ${header} header is not a name (control characters or over ${MAX_NAME_CHARS})`);
  }
  return name;
}

/** The groups the proxy names, comma-separated; none when the header is absent (a person in no group). */
function proxyGroups(req: IncomingMessage, header: string): string[] {
  const raw = req.headers[header.toLowerCase()];
  const groups = [...new Set((Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(','))]
    .map((g) => g.trim())
    .filter((g) => g.length > 0)
    .sort();
  const bad = groups.find((g) => g.length > MAX_GROUP_CHARS || /[\u0000-\u001f\u007f]/.test(g));
  if (bad !== undefined || groups.length > MAX_GROUPS) {
    throw new HttpError(
      400,
      `the ${header} header is not a list of at most ${MAX_GROUPS} group names of at most ${MAX_GROUP_CHARS} characters`,
    );
  }
  return groups;
}

/** `/?token=…`: the token's owner gets a session; an unknown token is refused without saying more. */
export function signInWithToken(token: string, auth: UiAuth, sessions: Sessions, port: number): Caller {
  const name = auth.kind === 'tokens' ? auth.tokens.nameOf(token) : undefined;
  if (!name) {
    throw new HttpError(401, 'this link holds no valid token; ask for a new one (PLANWRIGHT_UI_TOKENS or --tokens)');
  }
  const session = sessions.create(name);
  return { session, cookie: sessionCookie(port, session, false) };
}
