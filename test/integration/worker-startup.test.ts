/** How a worker starts: bad configuration, a server that refuses it, a namespace that will not take its attributes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { PLANWRIGHT_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { connectionFailure, refusalOf, resolveTemporalTarget } from '../../src/infra/connection';
import { dataConverter } from '../../src/infra/data-converter';
import { EXIT, ServerRefusedError, ServerUnreachableError } from '../../src/infra/errors';
import { ensureSearchAttributes, SearchAttributesNotRegisteredError } from '../../src/infra/search-attributes';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import { startSimulator } from '../../src/simulator/server';
import { planwright, runCommand } from '../helpers/cli';
import { historyOf, waitFor } from '../helpers/history';
import { createTestEnvironment, uniqueId } from '../helpers/temporal';

const root = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'pw-worker-startup-'));

/** Errors shaped as @grpc/grpc-js makes them: a numeric status, the server's details, a message with both. */
const grpcError = (code: number, name: string, details: string) =>
  Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata: {} });

/** A client connection whose operator service answers with the given functions. */
const fakeConnection = (operator: {
  listSearchAttributes?: () => Promise<unknown>;
  addSearchAttributes?: () => Promise<unknown>;
}) =>
  ({
    operatorService: {
      listSearchAttributes: operator.listSearchAttributes ?? (() => Promise.resolve({ customAttributes: {} })),
      addSearchAttributes: operator.addSearchAttributes ?? (() => Promise.resolve({})),
    },
  }) as unknown as Connection;

describe('a worker given an invalid configuration', () => {
  const badConfig = path.join(dir, 'bad.config.json');
  before(() => writeFileSync(badConfig, JSON.stringify({ agnets: { code: { model: 'm' } } })));
  // Nothing listens there: configuration is checked before any connection is tried.
  const env = () => ({ PLANWRIGHT_CONFIG: badConfig, TEMPORAL_ADDRESS: '127.0.0.1:1', OPENAI_BASE_URL: '' });

  it('exits 2 with the problem from `planwright worker`', async () => {
    const result = await planwright(['worker'], env());
    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(
      result.stderr,
      /^planwright: .*bad\.config\.json is invalid:\n {2}unknown key "agnets" \(did you mean "agents"\?\)/,
    );
    assert.doesNotMatch(result.stderr, /unexpected error/);
  });

  it('exits 2 with the problem from the worker entry point (node dist/worker.js, npm run worker)', async () => {
    const result = await runCommand(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'worker.ts')], env());
    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(
      result.stderr,
      /^planwright worker: [^\n]*is invalid:\n {2}unknown key "agnets" \(did you mean "agents"\?\)/,
    );
  });
});

describe('a server that refuses the worker', () => {
  const target = { ...resolveTemporalTarget({ address: 'temporal.example.com:7233' }), namespace: 'team-a' };

  it('is reported as a refusal with its reason, not as an unreachable server', () => {
    const denied = grpcError(7, 'PERMISSION_DENIED', 'Request unauthorized.');
    const failure = connectionFailure(target, denied);
    assert.ok(failure instanceof ServerRefusedError);
    assert.equal(failure.exitCode, EXIT.usage);
    assert.equal(
      failure.message,
      'the Temporal server at temporal.example.com:7233 refused the request (PERMISSION_DENIED: Request unauthorized.); ' +
        'check TEMPORAL_API_KEY (or the TLS client certificate) and its permissions in namespace "team-a"',
    );
  });

  it("finds the refusal inside the client's connect error, which wraps it as its cause", () => {
    const wrapped = new Error('Failed to connect to Temporal server', {
      cause: grpcError(16, 'UNAUTHENTICATED', 'invalid API key'),
    });
    assert.deepEqual(refusalOf(wrapped), { status: 'UNAUTHENTICATED', reason: 'invalid API key' });
    assert.match(
      connectionFailure(target, wrapped).message,
      /refused the request \(UNAUTHENTICATED: invalid API key\)/,
    );
  });

  it('is still "cannot reach" when the server did not answer', () => {
    for (const err of [
      grpcError(14, 'UNAVAILABLE', 'No connection established'),
      new Error('Failed to connect before the deadline'),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ]) {
      assert.equal(refusalOf(err), undefined);
      const failure = connectionFailure(target, err);
      assert.ok(failure instanceof ServerUnreachableError);
      assert.equal(failure.exitCode, EXIT.unreachable);
      assert.match(failure.message, /^cannot reach the Temporal server at temporal\.example\.com:7233/);
    }
  });
});

describe('search attributes the worker may not register', () => {
  it('come back as a warning with the commands to run when listing them is refused', async () => {
    const connection = fakeConnection({
      listSearchAttributes: () => Promise.reject(grpcError(7, 'PERMISSION_DENIED', 'Request unauthorized.')),
    });
    await assert.rejects(ensureSearchAttributes(connection, 'team-a'), (err: unknown) => {
      assert.ok(err instanceof SearchAttributesNotRegisteredError);
      assert.match(err.message, /refused to list the search attributes of namespace "team-a" \(7 PERMISSION_DENIED/);
      assert.match(err.message, /check TEMPORAL_API_KEY/);
      assert.match(err.message, /temporal operator search-attribute create --namespace team-a --name PlanwrightStatus/);
      return true;
    });
  });

  it('come back as a warning when registering them is refused, and as the error itself when the server is gone', async () => {
    const full = fakeConnection({
      addSearchAttributes: () => Promise.reject(grpcError(3, 'INVALID_ARGUMENT', 'too many search attributes')),
    });
    await assert.rejects(ensureSearchAttributes(full, 'team-a'), SearchAttributesNotRegisteredError);
    const gone = grpcError(14, 'UNAVAILABLE', 'No connection established');
    const lost = fakeConnection({ addSearchAttributes: () => Promise.reject(gone) });
    await assert.rejects(ensureSearchAttributes(lost, 'team-a'), (err: unknown) => err === gone);
    const unauthenticated = grpcError(16, 'UNAUTHENTICATED', 'invalid API key');
    const stranger = fakeConnection({ listSearchAttributes: () => Promise.reject(unauthenticated) });
    await assert.rejects(ensureSearchAttributes(stranger, 'team-a'), (err: unknown) => err === unauthenticated);
  });
});

describe('a worker on a real server that will not register its search attributes', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTestEnvironment();
  });
  after(() => env?.teardown());

  /**
   * A fresh namespace whose Int search attributes are all taken: the SQL visibility of the dev server has a fixed
   * number of columns per type (3 Int), so it refuses PlanwrightPendingApprovals, as a full or locked-down one would.
   * Returns the names of the attributes that fill it.
   */
  async function fullNamespace(namespace: string): Promise<string[]> {
    const operator = env.connection.operatorService;
    await env.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await waitFor('the namespace', () => operator.listSearchAttributes({ namespace }));
    const INT = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT;
    const fillers: string[] = [];
    for (let i = 1; i <= 20; i++) {
      try {
        await operator.addSearchAttributes({ namespace, searchAttributes: { [`Filler${i}`]: INT } });
        fillers.push(`Filler${i}`);
      } catch {
        return fillers;
      }
    }
    throw new Error(
      'this server registered 20 Int search attributes without refusing; the test needs one that refuses',
    );
  }

  it('warns with the exact commands, keeps serving, and its runs go on once the attributes are registered', async () => {
    const namespace = uniqueId('pw-full');
    const fillers = await fullNamespace(namespace);
    const sim = await startSimulator({});
    const taskQueue = uniqueId('tq');
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), 'worker', '--task-queue', taskQueue],
      {
        cwd: root,
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: namespace, OPENAI_BASE_URL: sim.url },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    try {
      await Promise.race([
        waitFor('the worker to start', async () => (/planwright worker: task queue/.test(stderr) ? true : undefined)),
        exited.then((code) => assert.fail(`the worker exited (${code}):\n${stderr}`)),
      ]);
      assert.match(
        stderr,
        /planwright: warning: the server refused to register search attributes .*PlanwrightPendingApprovals/,
      );
      assert.match(stderr, /runs wait at their first step .* until they are registered, then go on by themselves/);
      const commands = [...stderr.matchAll(/^ {2}(temporal operator search-attribute create .*)$/gm)].map((m) => m[1]!);
      // Registration is all or nothing: every attribute the namespace lacks is printed.
      assert.equal(commands.length, PLANWRIGHT_SEARCH_ATTRIBUTES.length, stderr);

      const client = new Client({ connection: env.connection, namespace, dataConverter });
      const runId = uniqueId('stuck');
      const plan = { goal: 'g', tasks: [{ id: 'a', title: 'A', acceptanceCriteria: ['it is done'] }] };
      const handle = await client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan }],
      });
      await waitFor('the run to fail its first workflow task on the attributes', async () =>
        (await historyOf(client, runId)).some((e) =>
          /BadSearchAttributes/.test(e.workflowTaskFailedEventAttributes?.failure?.message ?? ''),
        )
          ? true
          : undefined,
      );

      // Make room, then run the printed commands as an operator would.
      await env.connection.operatorService.removeSearchAttributes({ namespace, searchAttributes: [fillers[0]!] });
      for (const command of commands) {
        const result = await runCommand(findTemporalBinary(), [
          ...command.split(' ').slice(1),
          '--address',
          env.address,
        ]);
        assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      }
      const view = (await handle.result()) as RunView;
      assert.equal(view.status, 'succeeded');
    } finally {
      worker.kill('SIGTERM');
      await exited;
      await sim.close();
    }
  });
});
