/**
 * The model layer through real activities (MockActivityEnvironment, no server) against the simulator over HTTP: the
 * official openai SDK path runs for real, and every request is read back from the simulator's log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type Activities } from '../../src/activities';
import { createOpenAIClient } from '../../src/activities/model/client';
import type { ModelSettings } from '../../src/config';
import type { ImplementTaskInput } from '../../src/domain/activity-contracts';
import * as T from '../../src/domain/errors';
import { MODEL_CALL_MAX_ATTEMPTS } from '../../src/domain/limits';
import type { ScenarioInput } from '../../src/simulator/scenario';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { implementInput, quietActivityLogs } from '../helpers/model-calls';
import { simSettings } from '../helpers/temporal';

const quiet = quietActivityLogs;
const mockEnv = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) =>
  new MockActivityEnvironment(info, quiet);

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

function activities(settings: ModelSettings = simSettings(sim)) {
  return createActivities({ openai: createOpenAIClient(settings), settings });
}

async function implementWith(scenario: ScenarioInput, settings?: ModelSettings, env = mockEnv()) {
  sim.setScenario(scenario);
  const before = sim.requests().length;
  const run = implement(env, implementInput(), settings);
  const result = await run.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...result, requests: sim.requests().slice(before) };
}

/** Runs the real implementTask activity in an activity context; `run` itself loses the activity's type. */
function implement(env: MockActivityEnvironment, input: ImplementTaskInput, settings?: ModelSettings) {
  return env.run(activities(settings).implementTask, input) as ReturnType<Activities['implementTask']>;
}

function failureOf(outcome: object): ApplicationFailure {
  const error = 'error' in outcome ? outcome.error : undefined;
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

describe('model layer: failures map to Temporal retry semantics', () => {
  const table: { name: string; fault: ScenarioInput['faults']; type: string; retryable: boolean; message: RegExp }[] = [
    {
      name: '429',
      fault: [{ type: 'status', status: 429, retryAfterSeconds: 2 }],
      type: T.MODEL_RATE_LIMITED,
      retryable: true,
      message: /rate limited/,
    },
    {
      name: '500',
      fault: [{ type: 'status', status: 500 }],
      type: T.MODEL_SERVER_ERROR,
      retryable: true,
      message: /server error 500/,
    },
    {
      name: '503',
      fault: [{ type: 'status', status: 503 }],
      type: T.MODEL_SERVER_ERROR,
      retryable: true,
      message: /server error 503/,
    },
    {
      name: '408',
      fault: [{ type: 'status', status: 408 }],
      type: T.MODEL_TIMEOUT,
      retryable: true,
      message: /timed out/,
    },
    {
      name: '409',
      fault: [{ type: 'status', status: 409 }],
      type: T.MODEL_CONFLICT,
      retryable: true,
      message: /conflict/,
    },
    {
      name: 'a connection reset',
      fault: [{ type: 'reset' }],
      type: T.MODEL_CONNECTION_ERROR,
      retryable: true,
      message: /connection failed/,
    },
    {
      name: '401',
      fault: [{ type: 'status', status: 401 }],
      type: T.MODEL_AUTHENTICATION,
      retryable: false,
      message: /check the API key/,
    },
    {
      name: '403',
      fault: [{ type: 'status', status: 403 }],
      type: T.MODEL_PERMISSION_DENIED,
      retryable: false,
      message: /permission denied/,
    },
    {
      name: '404',
      fault: [{ type: 'status', status: 404 }],
      type: T.MODEL_NOT_FOUND,
      retryable: false,
      message: /check the model name/,
    },
    {
      name: '400',
      fault: [{ type: 'status', status: 400 }],
      type: T.MODEL_BAD_REQUEST,
      retryable: false,
      message: /rejected with 400/,
    },
    {
      name: 'a context-length 400',
      fault: [
        {
          type: 'status',
          status: 400,
          code: 'context_length_exceeded',
          message: 'maximum context length is 8192 tokens',
        },
      ],
      type: T.MODEL_CONTEXT_LENGTH,
      retryable: false,
      message: /prompt too long/,
    },
    {
      name: 'a refusal',
      fault: [{ type: 'refusal', message: 'I will not do that.' }],
      type: T.MODEL_REFUSAL,
      retryable: false,
      message: /refused: I will not do that/,
    },
  ];
  for (const row of table) {
    it(`maps ${row.name} to ${row.type} (${row.retryable ? 'retryable' : 'not retryable'})`, async () => {
      const outcome = await implementWith({ faults: row.fault });
      const failure = failureOf(outcome);
      assert.equal(failure.type, row.type);
      assert.equal(failure.nonRetryable, !row.retryable);
      assert.match(failure.message, row.message);
    });
  }

  for (const api of ['chat', 'responses'] as const) {
    it(`treats a stream cut half-way (${api}) as a retryable connection failure`, async () => {
      const settings = simSettings(sim, { api });
      const failure = failureOf(await implementWith({ faults: [{ type: 'cut-stream' }] }, settings));
      assert.equal(failure.type, T.MODEL_CONNECTION_ERROR);
      assert.equal(failure.nonRetryable, false);
    });
  }

  it('times out a provider that never answers, as a retryable timeout', async () => {
    const settings = simSettings(sim);
    const outcome = await implementWith(
      { faults: [{ type: 'hang' }] },
      { ...settings, provider: { ...settings.provider, timeoutMs: 500 } },
    );
    const failure = failureOf(outcome);
    assert.equal(failure.type, T.MODEL_TIMEOUT);
    assert.equal(failure.nonRetryable, false);
  });

  it('turns Retry-After into the next retry delay', async () => {
    const failure = failureOf(await implementWith({ faults: [{ type: 'status', status: 429, retryAfterSeconds: 2 }] }));
    assert.equal(failure.nextRetryDelay, 2000);
  });
});

describe('model layer: the Responses API', () => {
  for (const stream of [true, false]) {
    it(`implements through the Responses API (${stream ? 'streamed' : 'not streamed'}) with usage from the response`, async () => {
      const settings = simSettings(sim, { api: 'responses', stream });
      const outcome = await implementWith({}, settings);
      assert.ok('value' in outcome && outcome.value.kind === 'ok', String('error' in outcome && outcome.error));
      assert.match(outcome.value.value.summary, /Write the parser \(t1\) is complete/);
      const [request] = outcome.requests;
      assert.equal(request?.stream, stream);
      assert.equal(request?.schemaName, 'implementation');
      assert.equal(outcome.value.calls[0]?.usage.outputTokens, request?.completionTokens);
      assert.equal(outcome.value.calls[0]?.usage.inputTokens, request?.promptTokens);
    });
  }

  it('maps a refusal through the Responses API to Refusal', async () => {
    const settings = simSettings(sim, { api: 'responses' });
    const failure = failureOf(await implementWith({ faults: [{ type: 'refusal', message: 'No.' }] }, settings));
    assert.equal(failure.type, T.MODEL_REFUSAL);
  });
});

describe('model layer: structured output, budgets and fallbacks', () => {
  it('repairs malformed JSON once, sending the errors back, and charges both calls', async () => {
    const outcome = await implementWith({ faults: [{ type: 'malformed', kind: 'implementer' }] });
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.equal(outcome.value.calls.length, 2);
    assert.equal(outcome.value.calls[1]?.repair, true);
    assert.equal(outcome.requests.length, 2);
    const repairPrompt = outcome.requests[1]!.messages.at(-1)!.content;
    assert.match(repairPrompt, /did not match the required JSON schema/);
    assert.match(repairPrompt, /not valid JSON/);
    assert.equal(
      outcome.value.spentMillicredits,
      outcome.value.calls[0]!.costMillicredits + outcome.value.calls[1]!.costMillicredits,
    );
  });

  it('fails with OutputInvalid and the validation errors when the repair is invalid too', async () => {
    const failure = failureOf(await implementWith({ faults: [{ type: 'truncated', kind: 'implementer', times: 2 }] }));
    assert.equal(failure.type, T.MODEL_OUTPUT_INVALID);
    assert.equal(failure.nonRetryable, true);
    const details = failure.details?.[0] as { errors: string[]; spentMillicredits: number; calls: unknown[] };
    assert.equal(details.calls.length, 2);
    assert.ok(details.spentMillicredits > 0, 'the rejected calls are charged');
    assert.match(details.errors[0]!, /not valid JSON/);
  });

  it('makes no request when the worst case does not fit the credits, and reports the shortfall', async () => {
    sim.setScenario({});
    const before = sim.requests().length;
    const result = await implement(mockEnv(), implementInput(100));
    assert.equal(result.kind, 'insufficient_credits');
    assert.ok(result.kind === 'insufficient_credits' && result.shortfallMillicredits > 0);
    assert.equal(sim.requests().length, before, 'no request was sent');
  });

  it('falls back to the next model when the first is not found, and says so', async () => {
    const settings = simSettings(sim, { model: 'missing-model', fallbackModels: ['gpt-4.1-mini'] });
    const outcome = await implementWith({ unknownModels: ['missing-model'] }, settings);
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.equal(outcome.value.model, 'gpt-4.1-mini');
    assert.deepEqual(outcome.value.fallbacks, [{ model: 'missing-model', failureType: T.MODEL_NOT_FOUND }]);
    assert.deepEqual(
      outcome.requests.map((r) => r.model),
      ['missing-model', 'gpt-4.1-mini'],
    );
  });

  it('falls back to the next model on the last attempt when retries of a transient failure are exhausted', async () => {
    const settings = simSettings(sim, { fallbackModels: ['gpt-4.1-nano'] });
    const outcome = await implementWith(
      { faults: [{ type: 'status', status: 503 }] },
      settings,
      mockEnv({ attempt: MODEL_CALL_MAX_ATTEMPTS }),
    );
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.equal(outcome.value.model, 'gpt-4.1-nano');
    assert.deepEqual(outcome.value.fallbacks, [
      { model: 'gpt-4.1-mini', failureType: `${T.MODEL_SERVER_ERROR} (retries exhausted)` },
    ]);
  });

  it('does not fall back on a transient failure while Temporal will still retry', async () => {
    const settings = simSettings(sim, { fallbackModels: ['gpt-4.1-nano'] });
    const failure = failureOf(
      await implementWith({ faults: [{ type: 'status', status: 503 }] }, settings, mockEnv({ attempt: 1 })),
    );
    assert.equal(failure.type, T.MODEL_SERVER_ERROR);
  });

  it('sends one heartbeat per request, marking it in flight with its reservation, and no more for a short call', async () => {
    const env = mockEnv();
    const beats: { inFlight?: { reservedMillicredits: number } }[] = [];
    env.on('heartbeat', (d: { inFlight?: { reservedMillicredits: number } }) => beats.push(structuredClone(d)));
    const outcome = await implementWith({}, undefined, env);
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.equal(beats.length, 1);
    assert.ok(beats[0]!.inFlight!.reservedMillicredits >= outcome.value.spentMillicredits);
  });

  it('checkpoints the spend before a repair request, and every heartbeat carries the spend', async () => {
    const env = mockEnv();
    const beats: { spentMillicredits: number; calls: unknown[] }[] = [];
    env.on('heartbeat', (d: { spentMillicredits: number; calls: unknown[] }) => beats.push(structuredClone(d)));
    const outcome = await implementWith({ faults: [{ type: 'malformed', kind: 'implementer' }] }, undefined, env);
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    // One checkpoint per request as it leaves; the repair's holds the first (malformed, billed) call.
    assert.equal(beats.length, 2);
    assert.equal(beats[0]!.calls.length, 0);
    assert.equal(beats[1]!.calls.length, 1);
    assert.equal(beats[1]!.spentMillicredits, outcome.value.calls[0]!.costMillicredits);
  });

  it('heartbeats with the spend while a long request runs', async () => {
    const env = mockEnv();
    const beats: { calls: unknown[] }[] = [];
    env.on('heartbeat', (d: { calls: unknown[] }) => beats.push(d));
    const outcome = await implementWith({ latency: { implementer: { medianMs: 6_500 } } }, undefined, env);
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.ok(beats.length >= 1, 'a request past 5 s proves it is alive');
    assert.ok(
      beats.every((b) => Array.isArray(b.calls)),
      'no bare heartbeat erases the checkpoint',
    );
  });

  it('carries what earlier attempts spent, from heartbeat details, into the reservation and the result', async () => {
    sim.setScenario({});
    const earlier = { spentMillicredits: 49_000, calls: [] };
    const env = mockEnv({ attempt: 2, heartbeatDetails: earlier });
    const result = await implement(env, implementInput(50_000));
    // 50 credits available, 49 already spent by attempt 1: the next call's worst case no longer fits.
    assert.equal(result.kind, 'insufficient_credits');
    assert.equal(result.spentMillicredits, 49_000);
  });

  it('answers with the scripted outputs of a task, in order', async () => {
    const scripted = { summary: 'scripted', artifacts: [{ name: 'a.txt', kind: 'doc', content: 'A' }], notes: '' };
    const outcome = await implementWith({ tasks: { t1: { outputs: [scripted] } } });
    assert.ok('value' in outcome && outcome.value.kind === 'ok');
    assert.deepEqual(outcome.value.value, scripted);
  });

  it('sends kind, task, attempt and a deterministic idempotency key with every request', async () => {
    const outcome = await implementWith({});
    const [request] = outcome.requests;
    assert.equal(request?.kind, 'implementer');
    assert.equal(request?.task, 't1');
    assert.equal(request?.attempt, 1);
    // Workflow, run, activity and call index, and a digest of the request: no attempt, so a retry keeps its key.
    assert.match(request?.idempotencyKey ?? '', /^[^/]+\/[^/]+\/[^/]+\/0\/[0-9a-f]{16}$/);
    assert.equal(request?.stream, true);
  });
});
