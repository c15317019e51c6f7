/** A worker's metrics, scraped from `planwright worker --prometheus` after a real run. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { startSimulator } from '../../src/simulator/server';
import { approveBudgetSignal } from '../../src/workflows/messages';
import { planwright } from '../helpers/cli';
import { waitFor } from '../helpers/history';
import { createTestEnvironment, uniqueId } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
});
after(() => env?.teardown());

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Sum of the samples of `name` whose labels include every one of `labels`, from Prometheus's text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum += Number(match[4]);
  }
  return sum;
}

/** `planwright worker` as its own process: the metrics exporter belongs to a process's one Temporal runtime. */
function spawnWorker(taskQueue: string, simUrl: string, exporter: string[]): ChildProcess {
  const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  return spawn(process.execPath, ['--import', 'tsx', cli, 'worker', '--task-queue', taskQueue, ...exporter], {
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, OPENAI_BASE_URL: simUrl },
    stdio: 'ignore',
  });
}

describe('worker metrics', () => {
  it('exports model requests, tokens, credits, failures, tasks and runs for Prometheus, matching the run', async () => {
    const taskQueue = uniqueId('tq');
    const port = await freePort();
    const sim = await startSimulator({
      scenario: {
        tasks: { a: { verdicts: ['FAIL', 'PASS'] } },
        faults: [
          { kind: 'implementer', task: 'a', type: 'status', status: 429, retryAfterSeconds: 1 },
          { kind: 'implementer', task: 'b', type: 'malformed' },
        ],
      },
    });
    let worker: ChildProcess | undefined;
    try {
      worker = spawnWorker(taskQueue, sim.url, ['--prometheus', `127.0.0.1:${port}`]);
      const plan = {
        goal: 'g',
        tasks: [
          { id: 'a', title: 'A', agentType: 'code', acceptanceCriteria: ['ok'] },
          { id: 'b', title: 'B', agentType: 'docs', deps: ['a'], acceptanceCriteria: ['ok'] },
        ],
      };
      const handle = await env.client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: uniqueId('run'),
        args: [{ goal: 'g', plan }],
      });
      // A malformed approval (no taskId, no credits) is refused and audited: a "rejected" budget decision.
      await handle.signal(approveBudgetSignal, {} as never);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(
        view.decisions.map((d) => d.decision),
        ['rejected'],
      );

      // The run's own metrics reach the exporter through the worker a moment after the run ends.
      const text = await waitFor('the run in the metrics', async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return sample(body, 'planwright_runs_ended_total', { status: 'succeeded' }) === 1 ? body : undefined;
      });
      const implementer = { kind: 'implementer' };
      assert.equal(sample(text, 'planwright_model_requests_total', { ...implementer, outcome: 'ok' }), 3);
      assert.equal(sample(text, 'planwright_model_requests_total', { ...implementer, outcome: 'invalid_output' }), 1);
      assert.equal(sample(text, 'planwright_model_requests_total', { kind: 'reviewer', outcome: 'ok' }), 3);
      assert.equal(sample(text, 'planwright_model_request_latency_count', implementer), 4);
      assert.equal(
        sample(text, 'planwright_model_failures_total', { failure_type: 'Planwright.Model.RateLimited' }),
        1,
      );
      assert.ok(sample(text, 'planwright_model_tokens_total', { direction: 'input' }) > 0);
      assert.ok(sample(text, 'planwright_model_tokens_total', { direction: 'output' }) > 0);
      // Every millicredit the run charged, and no other.
      assert.equal(sample(text, 'planwright_credits_spent_total'), view.spentMillicredits);
      assert.equal(
        sample(text, 'planwright_credits_spent_total', { agent_type: 'code' }),
        view.tasks[0]!.spentMillicredits,
      );
      assert.equal(sample(text, 'planwright_tasks_ended_total', { agent_type: 'code', status: 'succeeded' }), 1);
      assert.equal(sample(text, 'planwright_tasks_ended_total', { agent_type: 'docs', status: 'succeeded' }), 1);
      assert.equal(sample(text, 'planwright_task_duration_count'), 2);
      assert.equal(sample(text, 'planwright_budget_decisions_total', { decision: 'rejected' }), 1);
      // The SDK's own metrics come out of the same endpoint.
      assert.ok(sample(text, 'temporal_workflow_completed_total') >= 3, 'temporal_* metrics are exported too');
    } finally {
      worker?.kill('SIGTERM');
      if (worker && worker.exitCode === null) await once(worker, 'exit');
      await sim.close();
    }
  });

  it('pushes the same metrics to an OpenTelemetry collector over OTLP/HTTP', async () => {
    const received: Buffer[] = [];
    const collector = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/metrics') received.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    }).listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as { port: number };
    const taskQueue = uniqueId('tq');
    const sim = await startSimulator({});
    const worker = spawnWorker(taskQueue, sim.url, ['--otlp', `http://127.0.0.1:${port}/v1/metrics`]);
    try {
      const view: RunView = await env.client.workflow.execute('goalWorkflow', {
        taskQueue,
        workflowId: uniqueId('run'),
        args: [{ goal: 'g', plan: { goal: 'g', tasks: [{ id: 'only', title: 'T', acceptanceCriteria: ['ok'] }] } }],
      });
      assert.equal(view.status, 'succeeded');
      // OTLP carries metric names as plain strings inside the protobuf body.
      await waitFor('an export with the run in it', async () =>
        received.some((body) => body.includes('planwright_runs_ended') && body.includes('planwright_model_requests'))
          ? true
          : undefined,
      );
    } finally {
      worker.kill('SIGTERM');
      if (worker.exitCode === null) await once(worker, 'exit');
      await sim.close();
      collector.close();
    }
  });

  it('refuses an exporter address it cannot use, before connecting anywhere', async () => {
    const badBind = await planwright(['worker', '--prometheus', 'localhost'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(badBind.code, 2);
    assert.match(badBind.stderr, /--prometheus "localhost" is not host:port; use e\.g\. 0\.0\.0\.0:9464/);
    const badUrl = await planwright(['worker', '--otlp', 'ftp://collector'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(badUrl.code, 2);
    assert.match(
      badUrl.stderr,
      /--otlp "ftp:\/\/collector" must start with grpc:\/\/, grpcs:\/\/, http:\/\/ or https:\/\//,
    );
  });
});
