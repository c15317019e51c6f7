/** Webhook notifications: a person hears when a task waits for credits and when a run ends. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunView } from '../../src/domain/run';
import { approveBudgetSignal, statusQuery } from '../../src/workflows/messages';
import { planwright } from '../helpers/cli';
import { userRepository } from '../helpers/git-fixtures';
import { scheduledActivities, waitFor } from '../helpers/history';
import { createTestEnvironment, productionBundle, simSettings, uniqueId, withWorker } from '../helpers/temporal';
import { startWebhook } from '../helpers/webhook';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

describe('notifications', () => {
  it('says when no worker takes the workspace work, in status and by webhook, and goes on once a worker does', async () => {
    const hook = await startWebhook({});
    const taskQueue = uniqueId('tq');
    const runId = uniqueId('run');
    const settings = (sim: Parameters<typeof simSettings>[0]) => ({
      ...simSettings(sim),
      notifications: { webhookUrl: hook.url },
    });
    try {
      // A worker that takes no workspace work (as one without bubblewrap): the run's opening waits for another.
      await withWorker(
        env,
        {},
        async () => {
          const handle = await env.client.workflow.start('goalWorkflow', {
            taskQueue,
            workflowId: runId,
            args: [
              {
                goal: 'Ship the thing',
                plan: { goal: 'g', tasks: [{ id: 'solo', title: 'Solo task', acceptanceCriteria: ['done'] }] },
                workspace: { repo: userRepository({ 'README.md': '# R\n' }), workerWaitNoticeSeconds: 2 },
              },
            ],
          });
          const view = await waitFor('the run to say what it waits for', async () => {
            const v: RunView = await handle.query(statusQuery);
            return v.waitingFor ? v : undefined;
          });
          assert.equal(view.waitingFor?.what, 'workspace_worker');
          assert.equal(view.waitingFor?.queue, `${taskQueue}-workspace`);
          const told = await waitFor('the webhook', async () =>
            hook.received.find((r) => r.body.event === 'workspace_worker_needed'),
          );
          assert.match(told.body.text, /waits for a worker: nothing took the opening .* in 2 s/);
          assert.match(told.body.text, /install bubblewrap/);
          const status = await planwright(['status', runId], {
            TEMPORAL_ADDRESS: env.address,
            TEMPORAL_NAMESPACE: env.namespace ?? 'default',
          });
          assert.match(
            status.stdout,
            new RegExp(`Waiting since .*no worker polls the workspace queue "${taskQueue}-workspace"`),
          );
        },
        { taskQueue, workspace: false, settings },
      );
      // A worker that can take it: the run opens its workspace and finishes; the wait is over.
      await withWorker(
        env,
        {},
        async () => {
          const view: RunView = await env.client.workflow.getHandle(runId).result();
          assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
          assert.equal(view.waitingFor, undefined);
        },
        { taskQueue, settings },
      );
    } finally {
      hook.close();
    }
  });

  it('posts when a task waits for approval (retrying a webhook that failed) and when the run ends', async () => {
    // The approval message meets a 500 first; the end message meets a 404, which is not retried.
    const hook = await startWebhook({ approval_needed: [500], run_ended: [404] });
    try {
      await withWorker(
        env,
        { usage: 'max' },
        async (h) => {
          const runId = uniqueId('run');
          const handle = await env.client.workflow.start('goalWorkflow', {
            taskQueue: h.taskQueue,
            workflowId: runId,
            args: [
              {
                goal: 'Ship the thing',
                plan: { goal: 'g', tasks: [{ id: 'solo', title: 'Solo task', acceptanceCriteria: ['done'] }] },
                budgetCredits: 10,
                autoApproveCredits: 0,
              },
            ],
          });
          const asked = await waitFor('the approval message to be delivered', async () =>
            hook.received.find((r) => r.body.event === 'approval_needed' && r.status === 200),
          );
          assert.equal(asked.body.runId, runId);
          assert.equal(asked.body.taskId, 'solo');
          assert.equal(asked.body.taskTitle, 'Solo task');
          assert.ok(asked.body.shortfallMillicredits! > 0);
          assert.match(asked.body.text, new RegExp(`planwright approve ${runId} solo --credits \\d+`));
          assert.deepEqual(
            hook.received.filter((r) => r.body.event === 'approval_needed').map((r) => r.status),
            [500, 200],
          );

          await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: 25, by: 'ana' });
          const view: RunView = await handle.result();
          // A webhook that refuses the end message does not fail the run.
          assert.equal(view.status, 'succeeded');
          const ended = hook.received.filter((r) => r.body.event === 'run_ended');
          assert.equal(ended.length, 1, 'a 404 is not retried');
          assert.equal(ended[0]!.body.status, 'succeeded');
          assert.equal(ended[0]!.body.spentMillicredits, view.spentMillicredits);
          assert.match(ended[0]!.body.text, /succeeded: 1 succeeded; spent [\d.]+ of 10 credits/);
          assert.deepEqual(
            (await scheduledActivities(env.client, runId)).filter((a) => a === 'notify'),
            ['notify', 'notify'],
          );
        },
        { settings: (sim) => ({ ...simSettings(sim), notifications: { webhookUrl: hook.url } }) },
      );
    } finally {
      hook.close();
    }
  });
});
