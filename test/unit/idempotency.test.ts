/**
 * The Idempotency-Key of model requests: a retried request carries the key of the attempt it retries, and different
 * requests never share one. Unit tier: activities in MockActivityEnvironment, attempts run one after another with the
 * heartbeat details a real retry would get, against the simulator, which records every request's key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { Transcript } from '../../src/activities/agent-loop/transcript-cache';
import { turnPlace } from '../../src/activities/agent-loop/turn';
import { idempotencyKey } from '../../src/activities/model/chat-request';
import { createOpenAIClient } from '../../src/activities/model/client';
import type { ModelSettings } from '../../src/config';
import type { TranscriptItem } from '../../src/domain/agent-loop';
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
const RUN = { workflowExecution: { workflowId: 'run-42/t1', runId: 'r-1' }, activityId: '7' };

const implementInputFixture = implementInput(50_000);

/**
 * Runs attempts of one implementTask activity until one succeeds or fails for good, each with the heartbeat details
 * the previous attempts left on the server (the last heartbeat sent by any of them), as Temporal's retry does.
 */
async function runAttempts(scenario: ScenarioInput, maxAttempts: number, settings: ModelSettings = simSettings(sim)) {
  sim.setScenario(scenario);
  const first = sim.requests().length;
  const activities = createActivities({ openai: createOpenAIClient(settings), settings });
  let details: unknown;
  const failures: string[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const env = new MockActivityEnvironment(
      { ...RUN, attempt, ...(details !== undefined ? { heartbeatDetails: details } : {}) },
      quiet,
    );
    env.on('heartbeat', (d: unknown) => (details = structuredClone(d)));
    try {
      await env.run(activities.implementTask, implementInputFixture);
      break;
    } catch (err) {
      assert.ok(err instanceof ApplicationFailure && !err.nonRetryable, `attempt ${attempt} failed for good: ${err}`);
      failures.push(err.type ?? '');
    }
  }
  return { failures, requests: sim.requests().slice(first) };
}

const keyOf = (r: SimRequest | undefined) => r?.idempotencyKey ?? '';
const callIndexOf = (r: SimRequest | undefined) => keyOf(r).split('/').at(-2);

describe('idempotency keys of model requests', () => {
  it('sends the same key again when a request that failed with a 500 is retried by the next attempt', async () => {
    const { failures, requests } = await runAttempts({ faults: [{ type: 'status', status: 500 }] }, 2);
    assert.deepEqual(failures, [T.MODEL_SERVER_ERROR]);
    assert.deepEqual(
      requests.map((r) => [r.attempt, r.outcome]),
      [
        [1, 'status 500'],
        [2, 'ok'],
      ],
    );
    assert.equal(keyOf(requests[0]), keyOf(requests[1]));
  });

  it('places the key by workflow, run, activity and call index, with no attempt number in it', async () => {
    const { requests } = await runAttempts({ faults: [{ type: 'status', status: 503 }] }, 2);
    for (const request of requests) assert.match(keyOf(request), /^run-42\/t1\/r-1\/7\/0\/[0-9a-f]{16}$/);
  });

  it('keeps the call index of a request that failed before it was recorded, past a billed call', async () => {
    // Attempt 1: the answer is malformed (billed, recorded as call 0), the repair request fails. Attempts 2 and 3 start
    // over with the first prompt as call 1: the 500 on attempt 2 is retried by attempt 3 with the same key.
    const { failures, requests } = await runAttempts(
      {
        faults: [
          { type: 'malformed', kind: 'implementer' },
          { type: 'status', status: 500, times: 2 },
        ],
      },
      3,
    );
    assert.deepEqual(failures, [T.MODEL_SERVER_ERROR, T.MODEL_SERVER_ERROR]);
    const [malformed, repair, fresh, retried] = requests;
    assert.deepEqual(
      requests.map((r) => [r.attempt, callIndexOf(r), r.outcome]),
      [
        [1, '0', 'malformed'],
        [1, '1', 'status 500'],
        [2, '1', 'status 500'],
        [3, '1', 'ok'],
      ],
    );
    assert.equal(keyOf(fresh), keyOf(retried), 'the retried request carries the key of the one it retries');
    assert.notEqual(keyOf(repair), keyOf(fresh), 'a repair and a fresh prompt are different requests');
    assert.notEqual(keyOf(malformed), keyOf(fresh), 'a call already answered is not asked again under its key');
  });

  it('gives a fallback model a key of its own, though it takes the place of the model that was not found', async () => {
    const settings = simSettings(sim, { model: 'missing-model', fallbackModels: ['gpt-4.1-mini'] });
    const { requests } = await runAttempts({ unknownModels: ['missing-model'] }, 1, settings);
    assert.deepEqual(
      requests.map((r) => [r.model, callIndexOf(r)]),
      [
        ['missing-model', '0'],
        ['gpt-4.1-mini', '0'],
      ],
    );
    assert.notEqual(keyOf(requests[0]), keyOf(requests[1]));
  });
});

describe('the idempotency key of an acting turn', () => {
  const turn = { role: 'assistant' as const, content: '', toolCalls: [] };
  const tool = (id: string) => ({ role: 'tool' as const, callId: id, name: 'write_file', content: 'done' });
  const transcript = (items: TranscriptItem[], stepsBefore: number): Transcript => ({
    agentType: 'code',
    taskId: 't1',
    items,
    pendingCalls: [],
    stepsBefore,
  });
  const key = { taskWorkflowId: 'run-42/t1', round: 2 };
  const asked = (activityId: string, runId: string) =>
    ({ ...RUN, activityId, workflowExecution: { workflowId: 'run-42/t1', runId } }) as unknown as Info;

  it('is the same on the worker a task moved to, whose conversation was rebuilt from the recap', () => {
    // Two steps taken, then the worker died while the third turn's request was out.
    const before = turnPlace({ key }, transcript([turn, tool('a'), turn, tool('b')], 0));
    const after = turnPlace({ key }, transcript([], 2));
    assert.equal(before, 'run-42/t1/round-2/step-2');
    assert.equal(after, before);
    const request = { model: 'gpt-x', api: 'chat' };
    assert.equal(
      idempotencyKey(asked('11', 'r-1'), 0, before, request),
      idempotencyKey(asked('19', 'r-1'), 0, after, request),
      'a new activity id (and a rebuilt conversation) must not make it a new request',
    );
  });

  it('differs for the next turn, the next round and another model', () => {
    const request = { model: 'gpt-x' };
    const place = (steps: number, round = 2) => turnPlace({ key: { ...key, round } }, transcript([], steps));
    const keys = [
      idempotencyKey(asked('1', 'r'), 0, place(2), request),
      idempotencyKey(asked('1', 'r'), 0, place(3), request),
      idempotencyKey(asked('1', 'r'), 0, place(2, 3), request),
      idempotencyKey(asked('1', 'r'), 0, place(2), { model: 'gpt-y' }),
    ];
    assert.equal(new Set(keys).size, keys.length);
  });
});
