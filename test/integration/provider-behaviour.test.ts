/** How runs behave toward a provider, read from the simulator's request log: retry delays and pacing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { randomPlan } from '../helpers/dags';
import { createTestEnvironment, productionBundle, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

describe('toward the provider', () => {
  it('retries a 429 with Retry-After: 2 no sooner than 2 s later, through Temporal retries', async () => {
    const plan = { goal: 'g', tasks: [{ id: 'only', title: 'T', acceptanceCriteria: ['ok'] }] };
    const scenario = {
      faults: [{ kind: 'implementer' as const, type: 'status' as const, status: 429, retryAfterSeconds: 2 }],
    };
    await withWorker(env, scenario, async (h) => {
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: uniqueId('run'),
        args: [{ goal: 'g', plan }],
      });
      assert.equal(view.status, 'succeeded');
      const [limited, retried] = h.sim.requests().filter((r) => r.kind === 'implementer');
      assert.equal(limited?.outcome, 'status 429');
      assert.equal(limited?.attempt, 1);
      assert.equal(retried?.attempt, 2);
      const gap = retried!.receivedAt - limited!.receivedAt;
      assert.ok(gap >= 2000, `retried after ${gap} ms`);
    });
  });

  it('keeps model calls under the task-queue rate limit across all running tasks', async () => {
    const perSecond = 2;
    const plan = randomPlan(12, 9, { maxDeps: 0 });
    await withWorker(
      env,
      {},
      async (h) => {
        const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: uniqueId('run'),
          args: [{ goal: plan.goal, plan, maxConcurrency: 12, budgetCredits: 600 }],
        });
        assert.equal(view.status, 'succeeded');
        const times = h.sim
          .requests()
          .map((r) => r.receivedAt)
          .sort((a, b) => a - b);
        assert.equal(times.length, 24);
        // Every window of one second, wherever it starts, holds at most the limit.
        let worst: number[] = [];
        for (const t of times) {
          const within = times.filter((u) => u >= t && u < t + 1000);
          if (within.length > worst.length) worst = within;
        }
        const offsets = worst.map((u) => u - worst[0]!);
        assert.ok(
          worst.length <= perSecond,
          `${worst.length} requests within one second, at +${offsets.join(', +')} ms`,
        );
      },
      { maxModelCallsPerSecond: perSecond },
    );
  });
});
