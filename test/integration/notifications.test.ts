/** Webhook notifications: a person hears when a task waits for credits and when a run ends. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { RunNotification } from '../../src/domain/notifications';
import type { RunView } from '../../src/domain/run';
import { approveBudgetSignal } from '../../src/workflows/messages';
import { scheduledActivities, waitFor } from '../helpers/history';
import { createTestEnvironment, productionBundle, simSettings, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

/** A webhook that answers each event with the scripted statuses in turn (then 200) and keeps what it was sent. */
async function startWebhook(script: Partial<Record<RunNotification['event'], number[]>>) {
  const received: { body: RunNotification; status: number }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = RunNotification.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      const status = script[body.event]?.shift() ?? 200;
      received.push({ body, status });
      res.writeHead(status).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook/secret-path`, received, close: () => server.close() };
}

describe('notifications', () => {
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
