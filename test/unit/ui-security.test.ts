/**
 * The UI server's guards, over real HTTP against a stand-in for Temporal: it answers only to its own names (no DNS
 * rebinding), knows who is at the page (OS user, tokens, or a trusted proxy), takes decisions only from its own
 * page (Origin, JSON, CSRF token), and refuses to start where other machines could approve without a name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/infra/errors';
import { parseUiTokens, type UiAuth } from '../../src/ui/identity';
import { checkUiExposure, CSRF_HEADER } from '../../src/ui/security';
import { startUiServer, type UiServer } from '../../src/ui/server';
import { request } from '../helpers/http';
import { createFakeBackend, detailsOf, type FakeBackend } from '../helpers/ui-backend';

const ANA_TOKEN = 'ana-token-0123456789abcdef';
const PLAN = { goal: 'g', tasks: [{ id: 'solo', title: 'Solo', acceptanceCriteria: ['done'] }] };

interface Running {
  server: UiServer;
  backend: FakeBackend;
  host: string;
  logs: string[];
}

async function serve(auth: UiAuth, options: { allowedHosts?: string[] } = {}): Promise<Running> {
  const backend = createFakeBackend([detailsOf('r1', PLAN, { statuses: { solo: 'awaiting_approval' } })]);
  const logs: string[] = [];
  const server = await startUiServer({ backend, auth, port: 0, log: (l) => logs.push(l), ...options });
  return { server, backend, host: new URL(server.url).host, logs };
}

/** A session as the page gets it: its cookie and CSRF token. */
async function signIn(r: Running, headers: Record<string, string> = {}) {
  const res = await request(`${r.server.url}/api/session`, { headers });
  assert.equal(res.status, 200, res.text);
  const cookie = String(res.headers['set-cookie']?.[0] ?? headers.Cookie ?? '').split(';')[0]!;
  return { cookie, csrf: (res.json as { csrfToken: string }).csrfToken, name: (res.json as { name: string }).name };
}

/** A decision as the page sends it, with `overrides` applied to the headers. */
function approve(
  r: Running,
  s: { cookie: string; csrf: string },
  body: unknown,
  overrides: Record<string, string> = {},
) {
  return request(`${r.server.url}/api/runs/r1/approve-budget`, {
    method: 'POST',
    headers: {
      Cookie: s.cookie,
      'Content-Type': 'application/json',
      Origin: `http://${r.host}`,
      'Sec-Fetch-Site': 'same-origin',
      [CSRF_HEADER]: s.csrf,
      ...overrides,
    },
    body: JSON.stringify(body),
  });
}

describe('the UI server on loopback, without tokens', () => {
  let r: Running;
  before(async () => {
    r = await serve({ kind: 'local', user: 'ana' });
  });
  after(() => r.server.close());

  it('answers to its own address and to localhost, and refuses any other name with 421 (DNS rebinding)', async () => {
    const port = new URL(r.server.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      assert.equal((await request(`${r.server.url}/`, { headers: { Host: host } })).status, 200, host);
    }
    for (const host of [`evil.example:${port}`, `localhost:${Number(port) + 1}`, 'evil.example']) {
      const res = await request(`${r.server.url}/api/runs`, { headers: { Host: host } });
      assert.equal(res.status, 421, host);
      assert.match((res.json as { error: string }).error, /does not answer to the name/);
    }
  });

  it('names the person by the OS user, in a session cookie that scripts cannot read and other sites do not send', async () => {
    const res = await request(`${r.server.url}/api/session`);
    assert.equal((res.json as { name: string }).name, 'ana');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
  });

  it('takes a decision from its own page in the session’s name, never in a name the body gives', async () => {
    const s = await signIn(r);
    const ok = await approve(r, s, { taskId: 'solo', credits: 5, note: 'fine' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(r.backend.sent.at(-1), {
      kind: 'approveBudget',
      runId: 'r1',
      request: { taskId: 'solo', credits: 5, note: 'fine', by: 'ana' },
    });
    const forged = await approve(r, s, { taskId: 'solo', credits: 5, by: 'mallory' });
    assert.equal(forged.status, 400);
    assert.match((forged.json as { error: string }).error, /by/);
  });

  it('refuses decisions without the CSRF token, from another origin or site, or not as JSON', async () => {
    const s = await signIn(r);
    const sent = r.backend.sent.length;
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ [CSRF_HEADER]: '' }, 403, /x-planwright-csrf/],
      [{ [CSRF_HEADER]: 'guessed' }, 403, /x-planwright-csrf/],
      [{ Origin: 'http://evil.example' }, 403, /evil\.example/],
      [{ 'Sec-Fetch-Site': 'cross-site' }, 403, /cross-site/],
      [{ 'Content-Type': 'text/plain' }, 415, /JSON/],
    ];
    for (const [headers, status, message] of cases) {
      const res = await approve(r, s, { taskId: 'solo', credits: 5 }, headers);
      assert.equal(res.status, status, JSON.stringify(headers));
      assert.match((res.json as { error: string }).error, message);
    }
    assert.equal(r.backend.sent.length, sent, 'no refused request reached the run');
  });

  it('refuses reads embedded in another site’s page', async () => {
    const res = await request(`${r.server.url}/api/runs`, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(res.status, 403);
  });

  it('keeps its pages out of frames and scripts to its own', async () => {
    const res = await request(`${r.server.url}/runs/r1`);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
  });
});

describe('the UI server with a token per person', () => {
  let r: Running;
  before(async () => {
    r = await serve({
      kind: 'tokens',
      tokens: parseUiTokens(`ana=${ANA_TOKEN}\nbo=bo-token-0123456789abcdef`, 'test'),
    });
  });
  after(() => r.server.close());

  it('refuses the API without a session, and a link with a wrong token', async () => {
    const res = await request(`${r.server.url}/api/runs`);
    assert.equal(res.status, 401);
    assert.match((res.json as { error: string }).error, /token/);
    const wrong = await request(`${r.server.url}/?token=${ANA_TOKEN.slice(0, -1)}x`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  it('signs the token’s owner in from the link, and never logs the token', async () => {
    const link = await request(`${r.server.url}/?token=${encodeURIComponent(ANA_TOKEN)}`);
    assert.equal(link.status, 200);
    const cookie = String(link.headers['set-cookie']?.[0]);
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    const s = await signIn(r, { Cookie: cookie.split(';')[0]! });
    assert.equal(s.name, 'ana');
    const ok = await approve(r, s, { taskId: 'solo', credits: 1 });
    assert.equal(ok.status, 200);
    assert.equal((r.backend.sent.at(-1)?.request as { by: string }).by, 'ana');
    assert.ok(!r.logs.join('\n').includes(ANA_TOKEN), r.logs.join('\n'));
  });
});

describe('the UI server behind an authenticating proxy', () => {
  let r: Running;
  before(async () => {
    r = await serve({ kind: 'proxy', header: 'X-Forwarded-User' }, { allowedHosts: ['planwright.example.com'] });
  });
  after(() => r.server.close());

  it('names the person by the proxy’s header, refuses requests without it, and answers to the proxy’s name', async () => {
    const missing = await request(`${r.server.url}/api/session`);
    assert.equal(missing.status, 401);
    const s = await signIn(r, { 'X-Forwarded-User': 'carol@example.com' });
    assert.equal(s.name, 'carol@example.com');
    const viaProxy = await request(`${r.server.url}/api/session`, {
      headers: { Host: 'planwright.example.com', 'X-Forwarded-User': 'carol@example.com' },
    });
    assert.equal(viaProxy.status, 200);
  });

  it('gives a session made for one person to nobody else', async () => {
    const s = await signIn(r, { 'X-Forwarded-User': 'carol' });
    const other = await request(`${r.server.url}/api/session`, {
      headers: { Cookie: s.cookie, 'X-Forwarded-User': 'dave' },
    });
    assert.equal((other.json as { name: string }).name, 'dave');
    assert.notEqual((other.json as { csrfToken: string }).csrfToken, s.csrf);
  });
});

describe('the UI server behind a proxy that also names groups', () => {
  let r: Running;
  before(async () => {
    r = await serve({ kind: 'proxy', header: 'X-Forwarded-User', groupsHeader: 'X-Forwarded-Groups' });
  });
  after(() => r.server.close());

  it('sends the groups the proxy names with a decision, and a session follows the proxy when they change', async () => {
    const headers = { 'X-Forwarded-User': 'erin', 'X-Forwarded-Groups': 'release, oncall,release' };
    const s = await signIn(r, headers);
    const ok = await approve(r, s, { taskId: 'solo', credits: 2 }, headers);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(r.backend.sent.at(-1)?.request, {
      taskId: 'solo',
      credits: 2,
      by: 'erin',
      groups: ['oncall', 'release'],
    });
    // Removed from a group at the proxy: the old session, and its CSRF token, are not reused.
    const fewer = await request(`${r.server.url}/api/session`, {
      headers: { Cookie: s.cookie, 'X-Forwarded-User': 'erin', 'X-Forwarded-Groups': 'oncall' },
    });
    assert.notEqual((fewer.json as { csrfToken: string }).csrfToken, s.csrf);
    const stale = await approve(
      r,
      s,
      { taskId: 'solo', credits: 2 },
      { 'X-Forwarded-User': 'erin', 'X-Forwarded-Groups': 'oncall' },
    );
    assert.equal(stale.status, 403);
  });
});

describe('exposure and tokens', () => {
  it('refuses to serve other machines without a way to name people, naming the fix', () => {
    assert.throws(
      () => checkUiExposure({ host: '0.0.0.0', hasTokens: false }),
      (err: Error) =>
        err instanceof UserError &&
        /PLANWRIGHT_UI_TOKENS/.test(err.message) &&
        /--trust-proxy-header/.test(err.message),
    );
    assert.doesNotThrow(() => checkUiExposure({ host: '0.0.0.0', hasTokens: true }));
    assert.doesNotThrow(() => checkUiExposure({ host: '0.0.0.0', hasTokens: false, proxyHeader: 'X-Forwarded-User' }));
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
      assert.doesNotThrow(() => checkUiExposure({ host, hasTokens: false }), host);
    }
  });

  it('reads name=token entries and refuses short or shared tokens without printing them', () => {
    const tokens = parseUiTokens(
      `# people\nana=${ANA_TOKEN}, bo = bo-token-0123456789abcdef==`,
      'PLANWRIGHT_UI_TOKENS',
    );
    assert.equal(tokens.size, 2);
    assert.equal(tokens.nameOf(ANA_TOKEN), 'ana');
    assert.equal(tokens.nameOf('bo-token-0123456789abcdef=='), 'bo');
    assert.equal(tokens.nameOf('nobody-0123456789abcdef'), undefined);
    assert.throws(
      () => parseUiTokens('ana=zq9x', 'f'),
      (err: Error) => /shorter than 16/.test(err.message) && !err.message.includes('zq9x'),
    );
    assert.throws(
      () => parseUiTokens(`ana=${ANA_TOKEN}\nbo=${ANA_TOKEN}`, 'f'),
      (err: Error) => /taken/.test(err.message) && !err.message.includes(ANA_TOKEN),
    );
    assert.throws(() => parseUiTokens('# nothing', 'f'), /no name=token entry/);
    const second = 'ana-second-token-0123456789';
    assert.throws(
      () => parseUiTokens(`ana=${ANA_TOKEN}\nana=${second}`, 'f'),
      (err: Error) =>
        /f, entry 2: ana has a token already \(one token per name\)/.test(err.message) && !err.message.includes(second),
    );
  });
});
