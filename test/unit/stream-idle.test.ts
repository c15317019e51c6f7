/**
 * Streams that go silent: cut after the agent's limit (per model family by default) and failed as a retryable
 * StreamStalled, instead of holding the task until the request timeout. Unit tier: activities in
 * MockActivityEnvironment against the simulator, whose "stall" fault keeps the connection open and sends nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type Activities } from '../../src/activities';
import { createOpenAIClient } from '../../src/activities/model/client';
import type { AgentModelSettings } from '../../src/config';
import * as T from '../../src/domain/errors';
import type { SimRequest } from '../../src/simulator/request-log';
import type { ScenarioInput } from '../../src/simulator/scenario';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { implementInput, quietActivityLogs } from '../helpers/model-calls';
import { simSettings } from '../helpers/temporal';

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

const quiet = quietActivityLogs;

const implementInputFixture = implementInput(500_000);

/** Runs implementTask once with these agent settings (the provider's request timeout stays at its 300 s default). */
async function implementWith(
  scenario: ScenarioInput,
  agent: Partial<AgentModelSettings>,
  env = new MockActivityEnvironment({}, quiet),
) {
  sim.setScenario(scenario);
  const first = sim.requests().length;
  const settings = simSettings(sim, agent);
  assert.equal(settings.provider.timeoutMs, 300_000);
  const activities = createActivities({ openai: createOpenAIClient(settings), settings });
  const started = Date.now();
  const run = env.run(activities.implementTask, implementInputFixture) as ReturnType<Activities['implementTask']>;
  const outcome = await run.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...outcome, elapsedMs: Date.now() - started, requests: sim.requests().slice(first) };
}

function stalledFailure(outcome: object): ApplicationFailure {
  const error = 'error' in outcome ? outcome.error : undefined;
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  assert.equal(error.type, T.MODEL_STREAM_STALLED);
  assert.equal(error.nonRetryable, false, 'retried: the next attempt usually gets a live connection');
  return error;
}

/** The simulator learns of the hang-up from its socket; give the close event a moment to land in the log. */
async function clientClosed(request: SimRequest | undefined): Promise<boolean> {
  for (let i = 0; i < 50 && request && !request.clientClosed; i++) await new Promise((r) => setTimeout(r, 20));
  return request?.clientClosed ?? false;
}

describe('streams that go silent', () => {
  for (const api of ['chat', 'responses'] as const) {
    it(`cuts a stream (${api}) silent mid-answer after the idle limit and fails it as a retryable StreamStalled`, async () => {
      const outcome = await implementWith(
        { faults: [{ type: 'stall', afterChunks: 2 }] },
        { api, streamIdleTimeoutMs: 300 },
      );
      const failure = stalledFailure(outcome);
      assert.match(failure.message, /model "gpt-4\.1-mini" .*nothing for 0\.3 s in the middle of the answer/);
      assert.match(failure.message, /raise streamIdleTimeoutMs \(now 300\)/);
      assert.ok(outcome.elapsedMs < 5_000, `failed after ${outcome.elapsedMs} ms, long before the request timeout`);
      assert.equal(outcome.requests.length, 1);
      assert.equal(await clientClosed(outcome.requests[0]), true, 'the simulator saw the client hang up');
    });
  }

  for (const api of ['chat', 'responses'] as const) {
    it(`lets a reasoning model (${api}) think silently before its first token for longer than the idle limit`, async () => {
      const outcome = await implementWith(
        { faults: [{ type: 'stall', afterChunks: 0, stallMs: 800 }] },
        { api, model: 'o4-mini', streamIdleTimeoutMs: 200, streamFirstTokenTimeoutMs: 5_000 },
      );
      assert.ok('value' in outcome && outcome.value.kind === 'ok', String('error' in outcome && outcome.error));
      assert.equal(outcome.requests[0]?.clientClosed, false);
    });
  }

  it('cuts a stream silent before its first token after the first-token limit, and names that setting', async () => {
    const outcome = await implementWith(
      { faults: [{ type: 'stall', afterChunks: 0 }] },
      { model: 'o4-mini', streamFirstTokenTimeoutMs: 300 },
    );
    const failure = stalledFailure(outcome);
    assert.match(failure.message, /model "o4-mini" .*nothing for 0\.3 s before the answer's first token/);
    assert.match(failure.message, /raise streamFirstTokenTimeoutMs/);
    assert.equal(await clientClosed(outcome.requests[0]), true);
  });

  it('leaves alone a stream that keeps sending, however long it takes in all', async () => {
    // Eight chunks 150 ms apart: 1.2 s in all, never 400 ms silent.
    const outcome = await implementWith(
      { latency: { implementer: { medianMs: 1_200 } } },
      { streamIdleTimeoutMs: 400, streamFirstTokenTimeoutMs: 400 },
    );
    assert.ok('value' in outcome && outcome.value.kind === 'ok', String('error' in outcome && outcome.error));
    assert.ok(outcome.elapsedMs >= 1_000);
  });

  it('ends a stream cancelled mid-answer as a cancellation, not as a stall or a short answer', async () => {
    const env = new MockActivityEnvironment({}, quiet);
    setTimeout(() => env.cancel(), 300);
    const outcome = await implementWith({ faults: [{ type: 'stall', afterChunks: 2 }] }, {}, env);
    assert.ok('error' in outcome && outcome.error instanceof CancelledFailure, String(outcome));
    assert.equal(outcome.requests.length, 1, 'no repair request for the cut answer');
    assert.equal(await clientClosed(outcome.requests[0]), true);
  });
});
