/**
 * Redaction of URLs that are shown (src/domain/redact.ts), and the places that show them: model failures, the
 * endpoint in messages, webhook failures; and a base URL with a query still reaches its provider. Unit tier: no
 * Temporal server; the openai SDK and Node's fetch run for real against local HTTP servers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import OpenAI from 'openai';
import { createOpenAIClient, endpointOf } from '../../src/activities/model/client';
import { toModelFailure } from '../../src/activities/model/errors';
import { notify } from '../../src/activities/notify';
import { loadModelSettings } from '../../src/config';
import { MODEL_CONNECTION_ERROR, NOTIFY_UNAVAILABLE } from '../../src/domain/errors';
import { approvalNeeded } from '../../src/domain/notifications';
import { redactUrl, redactUrlsIn } from '../../src/domain/redact';
import { quietActivityLogs } from '../helpers/model-calls';

describe('redactUrl', () => {
  it('keeps scheme, host, port and path, and hides userinfo, query values and the fragment', () => {
    assert.equal(
      redactUrl('http://user:s3cret@host.example:8080/v1?key=abc&api-version=2024-10-21#frag'),
      'http://***@host.example:8080/v1?key=***&api-version=***#***',
    );
    assert.equal(redactUrl('https://token@host/v1'), 'https://***@host/v1');
    assert.equal(redactUrl('http://host/v1?sig'), 'http://host/v1?***');
  });

  it('leaves a URL without credentials as it is', () => {
    for (const url of ['https://api.openai.com/v1', 'http://127.0.0.1:11434/v1', 'http://[::1]:8000/v1/']) {
      assert.equal(redactUrl(url), url);
    }
  });

  it('hides everything before the last @ of the authority, an unencoded @ in the password too', () => {
    assert.equal(redactUrl('http://me:p@ss@host:1/v1'), 'http://***@host:1/v1');
    // An @ in the path or the query is not userinfo.
    assert.equal(redactUrl('http://host/v1/@team'), 'http://host/v1/@team');
  });

  it('is idempotent and safe on strings that are not URLs', () => {
    const once_ = redactUrl('http://u:p@h/v1?k=v');
    assert.equal(redactUrl(once_), once_);
    assert.equal(redactUrl('user:secret@host:1/v1'), '***@host:1/v1');
    assert.equal(redactUrl(''), '');
  });

  it('shows only the origin when the path is the secret', () => {
    assert.equal(
      redactUrl('https://hooks.example/services/T0/B0/XyZ?x=1', { keepPath: false }),
      'https://hooks.example',
    );
    assert.equal(redactUrl('https://u:p@hooks.example/services/T0', { keepPath: false }), 'https://***@hooks.example');
  });
});

describe('redactUrlsIn', () => {
  it('redacts every URL in a message and keeps the sentence around it', () => {
    assert.equal(
      redactUrlsIn('fetch refused http://u:pw@h:1/v1/models?key=k (see http://docs.example/x).'),
      'fetch refused http://***@h:1/v1/models?key=*** (see http://docs.example/x).',
    );
    assert.equal(redactUrlsIn('POST https://h/hook/T0K3N failed', { keepPath: false }), 'POST https://h failed');
    assert.equal(redactUrlsIn('no url here'), 'no url here');
  });
});

/** An HTTP server that answers every request with `status` and a JSON body, and keeps each request's URL and headers. */
async function startServer(status = 200, body: unknown = { object: 'list', data: [] }) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

const settingsFor = (env: NodeJS.ProcessEnv) => loadModelSettings(env, tmpdir());

describe('credentials in the provider base URL', () => {
  it('never appear in the endpoint that messages show', () => {
    const settings = settingsFor({ OPENAI_BASE_URL: 'http://user:s3cret@gw.example:8443/v1?key=abc' });
    assert.equal(endpointOf(settings), 'http://***@gw.example:8443/v1?key=***');
    assert.equal(endpointOf(settingsFor({})), 'https://api.openai.com/v1');
  });

  it("are not quoted by a connection failure, though Node's fetch quotes the whole URL it refuses", async () => {
    const server = await startServer();
    try {
      const baseURL = `http://user:s3cret@${server.origin.slice('http://'.length)}/v1`;
      const client = new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0 });
      const error = await client.models.list().then(
        () => assert.fail('the SDK accepted userinfo in the base URL'),
        (err: unknown) => err,
      );
      assert.match(String((error as Error).cause), /s3cret/, 'the raw error quotes the credentials');
      const failure = toModelFailure(error, { model: 'm', baseURL });
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, MODEL_CONNECTION_ERROR);
      assert.doesNotMatch(failure.message, /s3cret|user/);
      assert.match(failure.message, /at http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1: connection failed \(.*\*\*\*@/);
      assert.equal(server.seen.length, 0, 'nothing was sent');
    } finally {
      server.close();
    }
  });

  it('are not quoted by a provider error whose message carries the URL', () => {
    const error = OpenAI.APIError.generate(
      404,
      { error: { message: 'no route for http://gw.example/v1?key=abc/chat/completions' } },
      undefined,
      new Headers(),
    );
    const failure = toModelFailure(error, { model: 'm', baseURL: 'http://gw.example/v1?key=abc' });
    assert.doesNotMatch(failure.message, /abc/);
  });

  it('in the query reach the provider with every request, on the right path', async () => {
    const server = await startServer();
    try {
      const settings = settingsFor({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.origin}/v1?key=abc&x=1` });
      await createOpenAIClient(settings).models.list();
      assert.equal(server.seen[0]?.url, '/v1/models?key=abc&x=1');
      assert.equal(server.seen[0]?.headers.authorization, 'Bearer sk-test');
    } finally {
      server.close();
    }
  });
});

describe('webhook failures', () => {
  const notification = approvalNeeded({
    runId: 'r',
    goal: 'g',
    taskId: 't',
    taskTitle: 'T',
    shortfallMillicredits: 1000,
    at: new Date(0).toISOString(),
  });
  const deliver = (webhookUrl: string) =>
    new MockActivityEnvironment({}, quietActivityLogs).run(
      notify,
      { ...settingsFor({}), notifications: { webhookUrl } },
      notification,
    );

  it('show neither the path nor userinfo of a webhook that cannot be called', async () => {
    const server = await startServer();
    try {
      const url = `http://hook:pw@${server.origin.slice('http://'.length)}/services/T0K3N`;
      await assert.rejects(deliver(url), (err: ApplicationFailure) => {
        assert.equal(err.type, NOTIFY_UNAVAILABLE);
        assert.doesNotMatch(err.message, /T0K3N|pw|hook:/);
        assert.match(err.message, /^webhook http:\/\/\*\*\*@127\.0\.0\.1:\d+ unreachable: /);
        return true;
      });
    } finally {
      server.close();
    }
  });

  it('show only the origin of a webhook that refuses the message', async () => {
    const server = await startServer(404);
    try {
      await assert.rejects(deliver(`${server.origin}/services/T0K3N?sig=abc`), (err: ApplicationFailure) => {
        assert.equal(err.message, `webhook ${server.origin} answered 404`);
        return true;
      });
      assert.equal(server.seen[0]?.url, '/services/T0K3N?sig=abc', 'the webhook was called at its full URL');
    } finally {
      server.close();
    }
  });
});
