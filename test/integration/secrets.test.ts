/**
 * Secrets stay out: real worker processes run with canary values for the API key, the webhook URL's token and
 * credentials in the provider base URL, through a run that succeeds, one that waits for approval, one the provider
 * refuses (401) and one that cannot connect; then every history, report, log line, webhook body and simulator answer
 * is searched for the canaries. The only places they may reach: the provider's Authorization header and request URL,
 * and the webhook's request URL.
 *
 * Userinfo in the base URL (`http://user:password@host/v1`) is refused by Node's fetch before anything is sent, so
 * with it every call fails; its run covers what that failure says. The base URL that works carries its credential in
 * the query (`/v1?key=…`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PlanInput } from '../../src/domain/plan';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { dataConverter } from '../../src/infra/data-converter';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { planwright } from '../helpers/cli';
import { startedChildren, waitFor } from '../helpers/history';
import { createTestEnvironment, uniqueId } from '../helpers/temporal';

const root = path.join(__dirname, '..', '..');

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
});
after(() => env?.teardown());

/** A value nothing else contains; it is found by its UUID, the part no redaction could produce. */
const canary = (what: string) => {
  const id = randomUUID();
  return { value: `CANARY-${what}-${id}`, id };
};

/** Forwards every request to `target` as it is, keeping its URL, its Authorization header and the answer's body. */
async function startRecordingProxy(target: string) {
  const upstream = new URL(target);
  const seen: { url: string; authorization?: string; answer: string }[] = [];
  const server = createServer((req, res) => {
    const entry: (typeof seen)[number] = { url: req.url ?? '', authorization: req.headers.authorization, answer: '' };
    seen.push(entry);
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          entry.answer += chunk.toString('utf8');
          res.write(chunk);
        });
        answer.on('end', () => res.end());
      },
    );
    forwarded.on('error', () => res.destroy());
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    hostPort: `127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A webhook that answers 200 and keeps each request's URL and raw body. */
async function startWebhook() {
  const received: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, received, close: () => server.close() };
}

/** A real `planwright worker` process with `extra` in its environment; everything it prints is kept. */
function spawnWorker(taskQueue: string, extra: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), 'worker', '--task-queue', taskQueue],
    { cwd: root, env: { ...process.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { text: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  return { child, output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Every payload in `value` (a history as the client returns it), wherever it sits. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const object = value as Record<string, unknown>;
  if (object.data instanceof Uint8Array && object.metadata && typeof object.metadata === 'object') {
    found.push(object as Payload);
  }
  for (const child of Object.values(object)) payloadsIn(child, found);
  return found;
}

/**
 * A workflow's history as text to search: its JSON as `temporal workflow show` would print it, and every payload
 * decoded through this process's codecs (payload data is base64 in the JSON; with encryption on, it is ciphertext).
 */
async function historyText(workflowId: string): Promise<string> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  let payloads = payloadsIn(history);
  for (const codec of [...(dataConverter.payloadCodecs ?? [])].reverse()) payloads = await codec.decode(payloads);
  const decoded = payloads.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
  return [historyToJSON(history), ...decoded].join('\n');
}

const onePlan = (id: string): PlanInput => ({
  goal: 'g',
  tasks: [{ id, title: `Task ${id}`, acceptanceCriteria: ['done'] }],
});

describe('secrets stay out', () => {
  it('no history, report, log line, webhook body or provider answer holds the API key, the webhook token or base URL credentials', async () => {
    const apiKey = canary('KEY');
    const queryKey = canary('QUERY');
    const password = canary('PASSWORD');
    const hookToken = canary('HOOK');
    const canaries = { apiKey, queryKey, password, hookToken };

    // The implementer of task "doomed" is refused with a 401; everything else is answered.
    const sim: Simulator = await startSimulator({
      scenario: { faults: [{ kind: 'implementer', task: 'doomed', type: 'status', status: 401 }] },
    });
    const proxy = await startRecordingProxy(sim.url);
    const hook = await startWebhook();
    const configDir = mkdtempSync(path.join(tmpdir(), 'planwright-secrets-'));
    writeFileSync(path.join(configDir, 'planwright.config.json'), '{}');
    const common: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      // A developer's own config must not change what the workers do.
      PLANWRIGHT_CONFIG: path.join(configDir, 'planwright.config.json'),
      OPENAI_API_KEY: apiKey.value,
      PLANWRIGHT_WEBHOOK_URL: `${hook.origin}/hook/${hookToken.value}`,
    };
    const reachable = { ...common, OPENAI_BASE_URL: `http://${proxy.hostPort}/v1?key=${queryKey.value}` };
    const unreachable = { ...common, OPENAI_BASE_URL: `http://planwright:${password.value}@${proxy.hostPort}/v1` };
    const queue = uniqueId('tq-secrets');
    const queueB = uniqueId('tq-secrets-userinfo');
    const workerA = spawnWorker(queue, reachable);
    const workerB = spawnWorker(queueB, unreachable);
    const ids = {
      ok: uniqueId('run-ok'),
      ask: uniqueId('run-ask'),
      doomed: uniqueId('run-401'),
      far: uniqueId('run-far'),
    };
    const cli: { what: string; text: string }[] = [];
    try {
      const start = (workflowId: string, taskQueue: string, input: GoalInputJson) =>
        env.client.workflow.start('goalWorkflow', { taskQueue, workflowId, args: [input] });
      const handles = await Promise.all([
        start(ids.ok, queue, { goal: 'Write a short guide to durable runs', budgetCredits: 200 }),
        start(ids.ask, queue, { goal: 'g', plan: onePlan('ask'), budgetCredits: 5, autoApproveCredits: 0 }),
        start(ids.doomed, queue, { goal: 'g', plan: onePlan('doomed'), budgetCredits: 100 }),
        start(ids.far, queueB, { goal: 'g', plan: onePlan('far'), budgetCredits: 100 }),
      ]);

      await waitFor(
        'the approval message',
        async () => hook.received.some((r) => r.body.includes('"approval_needed"')) || undefined,
        120_000,
      );
      const approved = await planwright(['approve', ids.ask, 'ask', '--credits', '50', '--by', 'ana'], reachable);
      assert.equal(approved.code, 0, approved.stderr);
      cli.push({ what: 'approve', text: approved.stdout + approved.stderr });

      const views = (await Promise.all(handles.map((h) => h.result()))) as RunView[];
      assert.deepEqual(
        views.map((v) => v.status),
        ['succeeded', 'succeeded', 'failed', 'failed'],
      );
      await waitFor(
        'every run-ended message',
        async () => hook.received.filter((r) => r.body.includes('"run_ended"')).length === 4 || undefined,
      );

      for (const id of Object.values(ids)) {
        for (const args of [
          ['status', id, '--json'],
          ['status', id],
        ]) {
          const result = await planwright(args, reachable);
          assert.equal(result.code, 0, result.stderr);
          cli.push({ what: args.join(' '), text: result.stdout + result.stderr });
        }
      }
    } finally {
      await Promise.all([stop(workerA.child), stop(workerB.child)]);
      proxy.close();
      hook.close();
      await sim.close();
      rmSync(configDir, { recursive: true, force: true });
    }

    // What must be there: the key and the query credential reached the provider, the token reached the webhook.
    assert.ok(proxy.seen.length > 0);
    for (const r of proxy.seen) {
      assert.equal(r.authorization, `Bearer ${apiKey.value}`);
      assert.match(r.url, new RegExp(`^/v1/(chat/completions|responses)\\?key=${queryKey.value}$`));
    }
    assert.ok(hook.received.length >= 5);
    for (const r of hook.received) assert.equal(r.url, `/hook/${hookToken.value}`);

    // Where they must not be.
    const workflowIds = (
      await Promise.all(Object.values(ids).map(async (id) => [id, ...(await startedChildren(env.client, id))]))
    ).flat();
    assert.ok(workflowIds.length >= 8, `a child per task, and a planner: ${workflowIds.join(', ')}`);
    const sources: { what: string; text: string }[] = [
      ...(await Promise.all(
        workflowIds.map(async (id) => ({ what: `history of ${id}`, text: await historyText(id) })),
      )),
      ...cli.map((c) => ({ what: `planwright ${c.what}`, text: c.text })),
      { what: 'output of the worker with the query credential', text: workerA.output.text },
      { what: 'output of the worker with userinfo', text: workerB.output.text },
      ...hook.received.map((r, i) => ({ what: `webhook body ${i + 1}`, text: r.body })),
      { what: "the simulator's request log", text: JSON.stringify(sim.requests()) },
      ...proxy.seen.map((r, i) => ({ what: `provider answer ${i + 1}`, text: r.answer })),
    ];
    const leaks = sources.flatMap(({ what, text }) =>
      Object.entries(canaries).flatMap(([name, { id }]) => {
        const at = text.indexOf(id);
        return at < 0 ? [] : [`${name} in ${what}: …${text.slice(Math.max(0, at - 120), at + 60)}…`];
      }),
    );
    assert.deepEqual(leaks, []);

    // The failures and the start-up lines still name the endpoint, redacted (the text report shortens reasons; the
    // JSON one has them whole).
    const report = (id: string) => cli.find((c) => c.what === `status ${id} --json`)!.text;
    assert.match(
      report(ids.doomed),
      new RegExp(`at http://${proxy.hostPort}/v1\\?key=\\*\\*\\*: authentication failed`),
    );
    assert.match(report(ids.far), new RegExp(`at http://\\*\\*\\*@${proxy.hostPort}/v1: connection failed`));
    assert.match(workerA.output.text, new RegExp(`models via http://${proxy.hostPort}/v1\\?key=\\*\\*\\*`));
    assert.match(workerB.output.text, new RegExp(`models via http://\\*\\*\\*@${proxy.hostPort}/v1`));
  });
});
