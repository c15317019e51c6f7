/**
 * Record and replay: a run recorded through the proxy against a provider replays offline, from the cassette alone,
 * to the same result. A scripted simulator stands in for the real provider while recording.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, simSettings, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

async function runThrough(endpoint: Simulator): Promise<RunView> {
  return withWorker(
    env,
    {},
    (h) =>
      h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: uniqueId('cassette'),
        args: [{ goal: 'Record me', plan: diamondPlan('Record me'), maxConcurrency: 3 }],
      }),
    { settings: () => simSettings(endpoint) },
  );
}

const essentials = (view: RunView) => ({
  status: view.status,
  spent: view.spentMillicredits,
  tasks: view.tasks.map((t) => [t.id, t.status, t.reviewRounds, t.lastVerdict, t.spentMillicredits, t.modelCalls]),
});

describe('cassettes', () => {
  it('replays a recorded run offline to the same result', async () => {
    const cassette = path.join(mkdtempSync(path.join(tmpdir(), 'planwright-cassette-')), 'run.jsonl');
    const provider = await startSimulator({ scenario: { tasks: { b: { verdicts: ['FAIL', 'PASS'] } } } });
    const recorder = await startSimulator({ record: { file: cassette, upstream: provider.url } });
    const recorded = await runThrough(recorder);
    await recorder.close();
    await provider.close();
    assert.equal(recorded.status, 'succeeded');
    const lines = readFileSync(cassette, 'utf8').trim().split('\n');
    assert.equal(lines.length, provider.requests().length, 'every exchange was recorded');

    const player = await startSimulator({ replay: cassette });
    const replayed = await runThrough(player);
    await player.close();
    assert.deepEqual(essentials(replayed), essentials(recorded));
    assert.ok(player.requests().every((r) => r.outcome === 'ok'));
    assert.equal(player.requests().length, lines.length);
  });

  it('refuses, without retrying, a request the cassette does not hold, and says to record again', async () => {
    const cassette = path.join(mkdtempSync(path.join(tmpdir(), 'planwright-cassette-')), 'run.jsonl');
    const provider = await startSimulator();
    const recorder = await startSimulator({ record: { file: cassette, upstream: provider.url } });
    await runThrough(recorder);
    await Promise.all([recorder.close(), provider.close()]);

    const player = await startSimulator({ replay: cassette });
    const err = await withWorker(
      env,
      {},
      (h) =>
        h.env.client.workflow.execute('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: uniqueId('cassette'),
          args: [{ goal: 'A goal that was never recorded' }],
        }),
      { settings: () => simSettings(player) },
    ).catch((e: unknown) => e);
    await player.close();
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(
      String((err.cause?.cause as Error | undefined)?.message),
      /no recording for this planner request; .* record it again/,
    );
    assert.deepEqual(
      player.requests().map((r) => r.outcome),
      ['cassette_miss'],
    );
    assert.match(String(await startSimulator({ replay: `${cassette}.missing` }).catch((e: unknown) => e)), /ENOENT/);
  });
});
