/**
 * A request whose outcome is unknown (its worker died, its stream was cut) is charged at its reservation, so that the
 * ledger is never below what the provider could bill. Real activities (MockActivityEnvironment) against the simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities';
import { createOpenAIClient } from '../../src/activities/model/client';
import type { ImplementTaskInput } from '../../src/domain/activity-contracts';
import { readSpendDetails } from '../../src/domain/failure-details';
import type { CallRecord } from '../../src/domain/model';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { simSettings } from '../helpers/temporal';

const quiet = { logger: new DefaultLogger('ERROR') };
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

const input: ImplementTaskInput = {
  goal: 'g',
  task: {
    id: 't1',
    title: 'T',
    description: 'd',
    deps: [],
    agentType: 'code',
    effort: 2,
    acceptanceCriteria: ['ok'],
    artifacts: [],
    critical: false,
  },
  dependencies: [],
  round: 1,
  availableMillicredits: 100_000,
};

function implement(env: MockActivityEnvironment, settings = simSettings(sim)) {
  const { implementTask } = createActivities({ openai: createOpenAIClient(settings), settings });
  return env.run(implementTask, input) as ReturnType<Activities['implementTask']>;
}

const unknownCalls = (calls: readonly CallRecord[]) => calls.filter((c) => c.outcome === 'unknown');

describe('requests whose outcome is unknown', () => {
  it('charges a request an earlier attempt left in flight at its reservation, once, and checkpoints it at once', async () => {
    sim.setScenario({});
    const inFlight = { reservedMillicredits: 9_000, model: 'gpt-4.1-mini', attempt: 1 };
    const env = new MockActivityEnvironment(
      { attempt: 2, heartbeatDetails: { spentMillicredits: 1_000, calls: [], inFlight } },
      quiet,
    );
    const beats: { calls: CallRecord[]; inFlight?: unknown }[] = [];
    env.on('heartbeat', (d: { calls: CallRecord[]; inFlight?: unknown }) => beats.push(structuredClone(d)));
    const result = await implement(env);
    assert.equal(result.kind, 'ok');
    const [lost, answered] = result.calls;
    assert.deepEqual([lost?.outcome, lost?.costMillicredits, lost?.attempt], ['unknown', 9_000, 1]);
    assert.equal(answered?.outcome, undefined);
    assert.equal(result.spentMillicredits, 1_000 + 9_000 + answered!.costMillicredits);
    // The first heartbeat holds the charge and no longer the old marker: a third attempt would not charge it again.
    assert.equal(unknownCalls(beats[0]!.calls).length, 1);
    assert.equal(beats[0]!.inFlight, undefined);
  });

  it('charges a stream cut for silence at its reservation, and carries the charge in the failure', async () => {
    sim.setScenario({ faults: [{ type: 'stall', afterChunks: 2 }] });
    const settings = simSettings(sim);
    const env = new MockActivityEnvironment({ attempt: 1 }, quiet);
    const error = await implement(env, { ...settings, defaults: { ...settings.defaults, streamIdleTimeoutMs: 300 } })
      .then(() => undefined)
      .catch((err: unknown) => err);
    assert.ok(error instanceof ApplicationFailure, String(error));
    const spend = readSpendDetails(error);
    assert.equal(unknownCalls(spend?.calls ?? []).length, 1);
    assert.ok(spend!.spentMillicredits > 0);
  });

  it('charges nothing for a request the provider refused with an HTTP error', async () => {
    sim.setScenario({ faults: [{ type: 'status', status: 503 }] });
    const error = await implement(new MockActivityEnvironment({ attempt: 1 }, quiet))
      .then(() => undefined)
      .catch((err: unknown) => err);
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(readSpendDetails(error), undefined);
  });

  it("reads a dead worker's last checkpoint from a timed-out activity, charging its request in flight", () => {
    const checkpoint = {
      spentMillicredits: 2_000,
      calls: [],
      inFlight: { reservedMillicredits: 9_000, model: 'gpt-4.1-mini', attempt: 5 },
    };
    const timeout = new TimeoutFailure('heartbeat timeout', checkpoint, TimeoutType.HEARTBEAT);
    const failure = new ActivityFailure('x', 'implementTask', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, '', timeout);
    const spend = readSpendDetails(failure);
    assert.equal(spend?.spentMillicredits, 11_000);
    assert.deepEqual(
      spend?.calls.map((c) => [c.outcome, c.costMillicredits]),
      [['unknown', 9_000]],
    );
  });
});
