/**
 * On the time-skipping test server (Temporal's Java test server, from the project's own install): an approval
 * timeout of an hour elapses without waiting an hour.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { dataConverter } from '../../src/infra/data-converter';
import { ensureSearchAttributes } from '../../src/infra/search-attributes';
import { findTestServerBinary } from '../../src/infra/temporal-binary';
import { productionBundle, quietRuntime, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: findTestServerBinary() } },
    client: { dataConverter },
  });
  // The test server starts without Planwright's search attributes; register them as a worker would.
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  await productionBundle();
});
after(() => env?.teardown());

describe('approval timeout on the time-skipping test server', () => {
  it('fails a task whose approval does not come within an hour, and the run reports it, in seconds', async () => {
    const plan = { goal: 'g', tasks: [{ id: 'solo', title: 'Solo', acceptanceCriteria: ['ok'] }] };
    await withWorker(env, { usage: 'max' }, async (h) => {
      const started = Date.now();
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: uniqueId('skip'),
        args: [{ goal: 'g', plan, budgetCredits: 10, autoApproveCredits: 0, approvalTimeoutSeconds: 3600 }],
      });
      assert.equal(view.status, 'failed');
      assert.match(view.tasks[0]?.error ?? '', /no decision on [\d.]+ more credits within 3600 s/);
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.by]),
        [['timed-out', 'timer']],
      );
      assert.ok(Date.now() - started < 60_000, 'the hour was skipped');
    });
  });
});
