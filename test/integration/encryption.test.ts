/**
 * Encrypted payloads on a real Temporal server: a run with encryption on leaves no plaintext in its histories (failure
 * messages included), the codec server and `temporal --codec-endpoint` read them back, a rotated key still reads the
 * run, a wrong key says so. Then the codec server's own refusals: origins, token, CORS, sizes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { resolveEncryptionSettings } from '../../src/config/encryption';
import type { PlanInput } from '../../src/domain/plan';
import type { RunView } from '../../src/domain/run';
import { payloadFromJson, payloadToJson, type JsonPayload } from '../../src/infra/codec/payload-json';
import { startCodecServer, type CodecServer } from '../../src/infra/codec-server';
import { createDataConverter, createPayloadCodecs } from '../../src/infra/data-converter';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { runWithConverter } from '../helpers/encrypted-run';
import { historyOf, type HistoryEvent } from '../helpers/history';
import { createTestEnvironment } from '../helpers/temporal';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const ENCRYPTED = { PLANWRIGHT_ENCRYPTION: 'on', PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K1}` };
const TOKEN = 'codec-token-for-tests-0123456789';
const UI = 'http://localhost:8233';

const GOAL = 'Goal-ZX81: catalogue the llama herd of Lower Saxony';
const PLAN: PlanInput = {
  goal: GOAL,
  tasks: [
    {
      id: 'a',
      title: 'Title-QV37 count the llamas',
      description: 'Description-KP22 count each llama once',
      acceptanceCriteria: ['Criterion-MW55 the count is exact'],
    },
    {
      id: 'b',
      title: 'Title-HN04 name the llamas',
      description: 'Description-RT63 give every llama a name',
      acceptanceCriteria: ['Criterion-FB19 every name is unique'],
    },
  ],
};
/** What the run reads and writes that must never be stored in plaintext. */
const SECRETS = [
  GOAL,
  ...PLAN.tasks.flatMap((t) => [t.title, t.description!, ...t.acceptanceCriteria]),
  'Title-QV37 count the llamas (a) is complete', // a's output summary, from the simulator
  'Show evidence for: Criterion-FB19', // the reviewer's feedback, also in b's failure message
];

/** Every string, and every byte array read as UTF-8, anywhere in a history (payloads, failures, metadata). */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(text(value));
  else if (Array.isArray(value)) for (const v of value) textsOf(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) textsOf(v, out);
  return out;
}
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const found = (texts: string[], needles: string[]) => needles.filter((n) => texts.some((t) => t.includes(n)));

/** Every payload in a history: objects with an `encoding` in their metadata. */
function payloadsOf(value: unknown, out: Payload[] = []): Payload[] {
  if (value instanceof Uint8Array || !value || typeof value !== 'object') return out;
  const metadata = (value as Payload).metadata;
  if (metadata && metadata.encoding instanceof Uint8Array) out.push(value as Payload);
  else for (const v of Object.values(value)) payloadsOf(v, out);
  return out;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

let env: TestWorkflowEnvironment;
let sim: Simulator;
let codec: CodecServer;
let runId: string;
let view: RunView;
let histories: HistoryEvent[][];
let promptFragment: string;
let bundle: WorkflowBundle;

before(async () => {
  env = await createTestEnvironment();
  const encrypted = createDataConverter(ENCRYPTED);
  sim = await startSimulator({ scenario: { tasks: { b: { verdicts: ['FAIL', 'FAIL', 'FAIL'] } } } });
  codec = await startCodecServer({
    codecs: createPayloadCodecs(resolveEncryptionSettings(ENCRYPTED)),
    port: 0,
    origins: [UI],
    token: TOKEN,
  });
  ({ runId, view, bundle } = await runWithConverter(env, sim, encrypted, { goal: GOAL, plan: PLAN }));
  // env.client has no codecs: it fetches histories exactly as the server stores them.
  histories = await Promise.all([runId, `${runId}/a`, `${runId}/b`].map((id) => historyOf(env.client, id)));
  promptFragment = sim.requests().find((r) => r.kind === 'implementer' && r.task === 'b')!.messages[1]!.content;
});
after(async () => {
  await codec?.close();
  await sim?.close();
  await env?.teardown();
});

function clientWith(converter: DataConverter): Client {
  return new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: converter });
}

describe('a run with encryption on', () => {
  it('ran as usual: a succeeded, b failed its review three times', () => {
    assert.deepEqual(
      view.tasks.map((t) => [t.id, t.status]),
      [
        ['a', 'succeeded'],
        ['b', 'failed'],
      ],
    );
    assert.match(view.tasks[1]!.error ?? '', /Show evidence for: Criterion-FB19/);
  });

  it('stores no plaintext: goal, tasks, prompts, outputs, feedback and failure messages are all ciphertext', () => {
    const texts = histories.flatMap((h) => textsOf(h));
    assert.deepEqual(found(texts, [...SECRETS, promptFragment.slice(0, 80)]), []);
    const failed = histories[2]!.find((e) => e.workflowExecutionFailedEventAttributes)!;
    const failure = failed.workflowExecutionFailedEventAttributes!.failure!;
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString(), 'binary/encrypted');
    const payloads = histories.flatMap((h) => payloadsOf(h));
    assert.ok(payloads.length > 10);
    // Left plaintext: search attribute values (they carry a `type`) and patch markers, neither holds run content.
    const plain = payloads.filter((p) => Buffer.from(p.metadata!.encoding!).toString() !== 'binary/encrypted');
    for (const p of plain)
      assert.ok(p.metadata!.type || /^\{"id":"[\w-]+","deprecated":/.test(text(p.data)), text(p.data));
  });

  it('reads back through the codec server: POST /decode shows every secret, failure messages included', async () => {
    const payloads = histories.flatMap((h) => payloadsOf(h)).map(payloadToJson);
    const res = await post(`${codec.url}/default/decode`, { payloads }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 200);
    const decoded = (res.json.payloads as JsonPayload[]).map(payloadFromJson);
    assert.deepEqual(found(textsOf(decoded), SECRETS), SECRETS);
    assert.ok(decoded.some((p) => /"message":"review failed after 3 round/.test(Buffer.from(p.data!).toString())));
  });

  it('reads back through `temporal workflow show --codec-endpoint`, and not without it', async () => {
    const show = async (...extra: string[]) =>
      (
        await promisify(execFile)(
          findTemporalBinary(),
          ['workflow', 'show', '--workflow-id', `${runId}/b`, '-o', 'json', '--address', env.address, ...extra],
          { maxBuffer: 64 * 2 ** 20 },
        )
      ).stdout;
    // The CLI prints payloads in proto3 JSON, their bytes in base64: read every string both ways.
    const texts = (stdout: string) => textsOf(JSON.parse(stdout)).flatMap((s) => [s, text(Buffer.from(s, 'base64'))]);
    const needles = ['Title-HN04', 'Criterion-FB19', 'Show evidence for: Criterion-FB19'];
    assert.deepEqual(found(texts(await show()), needles), []);
    const decoded = await show('--codec-endpoint', codec.url, '--codec-auth', `Bearer ${TOKEN}`);
    assert.deepEqual(found(texts(decoded), needles), needles);
  });

  it('still reads the run after rotation (k2 current, k1 kept), and names the problem with a wrong or missing key', async () => {
    const rotated = clientWith(createDataConverter({ ...ENCRYPTED, PLANWRIGHT_ENCRYPTION_KEYS: `k2:${K2},k1:${K1}` }));
    assert.equal((await rotated.workflow.getHandle<() => Promise<RunView>>(runId).result()).tasks.length, 2);
    const wrong = clientWith(createDataConverter({ ...ENCRYPTED, PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K2}` }));
    await assert.rejects(
      wrong.workflow.getHandle(runId).result(),
      /key "k1" fails authentication with the key named "k1"/,
    );
    const missing = clientWith(createDataConverter({ ...ENCRYPTED, PLANWRIGHT_ENCRYPTION_KEYS: `k2:${K2}` }));
    await assert.rejects(missing.workflow.getHandle(runId).result(), /encrypted with key "k1", which is not among/);
  });
});

describe('replay with encryption on', () => {
  it("replays the encrypted run's own histories, and the recorded plaintext fixtures, without a determinism violation", async () => {
    const encrypted = createDataConverter(ENCRYPTED);
    for (const workflowId of [runId, `${runId}/a`, `${runId}/b`]) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: encrypted }, history, workflowId);
    }
    const dir = path.join(__dirname, '..', 'fixtures', 'histories', 'v2');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      const workflowId = path.basename(file, '.json').replace(/@\d+$/, '').replace(/__/g, '/');
      await Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: encrypted }, history, workflowId);
    }
  });
});

describe('the codec server', () => {
  const plain = payloadToJson(defaultPayloadConverter.toPayload({ secret: 'llama' }));
  const auth = { Authorization: `Bearer ${TOKEN}` };

  it('encodes and decodes for the CLI (no Origin) with the token, under any path prefix', async () => {
    const encoded = await post(`${codec.url}/encode`, { payloads: [plain] }, auth);
    assert.equal(encoded.status, 200);
    const [sealed] = encoded.json.payloads as JsonPayload[];
    assert.equal(Buffer.from(sealed!.metadata!.encoding!, 'base64').toString(), 'binary/encrypted');
    const decoded = await post(`${codec.url}/my-namespace/decode`, { payloads: [sealed] }, auth);
    assert.deepEqual(decoded.json, { payloads: [plain] });
  });

  it('refuses requests without the right token (401) and other origins (403), decrypting nothing', async () => {
    const sealed = (await post(`${codec.url}/encode`, { payloads: [plain] }, auth)).json;
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-wrong-token' },
      { Origin: UI },
    ];
    for (const headers of attempts) {
      const res = await post(`${codec.url}/decode`, sealed, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(String(res.json.error), /bearer token \(PLANWRIGHT_CODEC_TOKEN\)/);
      assert.equal(res.json.payloads, undefined);
    }
    const other = await post(`${codec.url}/decode`, sealed, { ...auth, Origin: 'https://evil.example' });
    assert.equal(other.status, 403);
    assert.match(String(other.json.error), /origin https:\/\/evil\.example is not allowed/);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('answers CORS preflights for the Web UI origin only, allowing X-Namespace and Authorization', async () => {
    const preflight = (origin: string) =>
      fetch(`${codec.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-namespace',
        },
      });
    const ok = await preflight(UI);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /X-Namespace.*Authorization/);
    const refused = await preflight('http://localhost:9999');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });

  it('refuses wrong methods, paths, content types, shapes and sizes with a JSON error, and names unknown keys', async () => {
    const small = await startCodecServer({
      codecs: createPayloadCodecs(resolveEncryptionSettings({})),
      port: 0,
      maxBodyBytes: 1024,
    });
    try {
      assert.equal((await fetch(`${small.url}/decode`)).status, 405);
      assert.equal((await post(`${small.url}/metrics`, { payloads: [] })).status, 404);
      assert.equal((await post(`${small.url}/decode`, { payload: [] })).status, 400);
      assert.equal((await post(`${small.url}/decode`, '{"payloads": [')).status, 400);
      // Not base64: refused naming the field, never answered with the bytes Node's lenient decoder would make of it.
      for (const bad of [{ data: 'not base64!' }, { data: 'abcde' }, { metadata: { encoding: '%%%' }, data: '' }]) {
        const res = await post(`${small.url}/decode`, { payloads: [bad] });
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.match(String(res.json.error), /^payloads\.0\.(data|metadata\.encoding) is not base64/);
        assert.equal(res.json.payloads, undefined);
      }
      const text = await fetch(`${small.url}/decode`, { method: 'POST', body: '{"payloads": []}' });
      assert.equal(text.status, 415);
      assert.equal((await post(`${small.url}/decode`, { payloads: [{ data: 'x'.repeat(2048) }] })).status, 413);
      const sealed = (await post(`${codec.url}/encode`, { payloads: [plain] }, auth)).json;
      const unknown = await post(`${small.url}/decode`, sealed);
      assert.equal(unknown.status, 422);
      assert.match(String(unknown.json.error), /encrypted with key "k1" and this process has no keys/);
    } finally {
      await small.close();
    }
  });
});
