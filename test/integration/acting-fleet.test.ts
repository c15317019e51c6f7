/**
 * Agents that act across machines: workers that do not share disks, and a worker killed mid-task. Real Temporal
 * server, real git, a worker process killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { taskBranch } from '../../src/domain/git-refs';
import type { RunView } from '../../src/domain/run';
import { startSimulator } from '../../src/simulator/server';
import { bareRemote, commitLog, fixtureGit, openTmpDir, userRepository } from '../helpers/git-fixtures';
import { activitySummaries, historyOf, waitFor } from '../helpers/history';
import { createTestEnvironment, productionBundle, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

/** A `planwright worker` process with its own workspace folder. */
function spawnWorker(taskQueue: string, simulatorUrl: string, root: string) {
  return spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'worker', '--task-queue', taskQueue],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        OPENAI_BASE_URL: simulatorUrl,
        PLANWRIGHT_WORKSPACE_DIR: root,
      },
      stdio: 'ignore',
    },
  );
}

/** Workers polling the shared workspace queue of `taskQueue`. */
async function pollers(taskQueue: string): Promise<number> {
  const response = await env.client.workflowService.describeTaskQueue({
    namespace: env.namespace ?? 'default',
    taskQueue: { name: `${taskQueue}-workspace` },
    taskQueueType: 2, // activity
  });
  return response.pollers?.length ?? 0;
}

const PROJECT = { 'package.json': '{ "name": "fixture" }\n', 'README.md': '# Fixture\n' };

describe('agents that act on a fleet of workers', () => {
  it('completes a run on two workers with separate clone caches that share only a bare remote', async () => {
    const remote = bareRemote(userRepository(PROJECT));
    // Enough tasks at once that the matching service, which hands each to whichever poller waits, cannot plausibly
    // give them all to one worker (with 8, it did once in a loaded CI run).
    const tasks = Array.from({ length: 16 }, (_, i) => ({
      id: `t${i}`,
      title: `Task ${i}`,
      acceptanceCriteria: ['done'],
    }));
    const scenario = { latency: { implementer: { medianMs: 150 } } };
    const sim = await startSimulator({ scenario });
    const secondRoot = openTmpDir('pw-second-worker-');
    await withWorker(env, scenario, async (h) => {
      // The second worker is another process with its own disk: it shares only the server and the bare remote.
      const second = spawnWorker(h.taskQueue, sim.url, secondRoot);
      try {
        await waitFor('the second worker to poll', async () => (await pollers(h.taskQueue)) >= 2 || undefined, 60_000);
        const runId = uniqueId('run');
        const view: RunView = await env.client.workflow.execute('goalWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: runId,
          args: [
            {
              goal: 'g',
              plan: { goal: 'g', tasks },
              maxConcurrency: 16,
              budgetCredits: 4000,
              workspace: { repo: remote },
            },
          ],
        });
        assert.equal(view.status, 'succeeded', JSON.stringify(view.workspace));
        // Steps ran on both workers' own queues, each from its own clone cache of the remote.
        const queues = new Set<string>();
        for (const t of tasks) {
          for (const e of await historyOf(env.client, `${runId}/${t.id}`)) {
            const q = e.activityTaskScheduledEventAttributes?.taskQueue?.name;
            if (q?.includes('@')) queues.add(q);
          }
        }
        assert.ok(queues.size >= 2, `steps ran on ${[...queues].join(', ')}`);
        assert.ok(readdirSync(path.join(secondRoot, 'cache')).length > 0, 'the second worker has its own cache');
        const integration = view.workspace!.integration!;
        assert.ok(integration.ok);
        const files = fixtureGit(remote, 'ls-tree', '-r', '--name-only', integration.commit);
        for (const t of tasks) assert.ok(files.includes(`src/${t.id}.js`), `${t.id}'s module is in the result`);
      } finally {
        second.kill('SIGTERM');
        await once(second, 'exit');
        await sim.close();
      }
    });
  });

  it('moves a task whose worker is killed after a write: the task completes, the write happened once', async () => {
    const repo = userRepository(PROJECT);
    const taskQueue = uniqueId('tq');
    const runId = uniqueId('run');
    const script = {
      tasks: {
        solo: {
          toolScript: [
            { tool: 'write_file', arguments: { path: 'src/a.txt', content: 'written once\n' } },
            { tool: 'run_command', arguments: { command: 'sleep 120' } },
          ],
        },
      },
    };
    const sim = await startSimulator({ scenario: script });
    const root = openTmpDir('pw-killed-worker-');
    const worker = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'),
        'worker',
        '--task-queue',
        taskQueue,
      ],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: env.address,
          OPENAI_BASE_URL: sim.url,
          PLANWRIGHT_WORKSPACE_DIR: root,
        },
        stdio: 'ignore',
      },
    );
    try {
      await env.client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [
          {
            goal: 'g',
            plan: { goal: 'g', tasks: [{ id: 'solo', title: 'Write a', acceptanceCriteria: ['a exists'] }] },
            workspace: {
              repo,
              workerTimeoutSeconds: 5,
              policy: { commands: ['sleep', 'true'], verify: ['true'] },
            },
          },
        ],
      });
      const branch = taskBranch(runId, 'solo');
      await waitFor(
        'the write to land and the long command to start',
        async () =>
          sim.requests().filter((r) => r.task === 'solo').length >= 2 &&
          commitLog(repo, branch).some((c) => c.subject === 'write src/a.txt'),
        90_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      // Another worker, with its own disk and simulator, takes the task over once the lost one stops answering.
      await withWorker(
        env,
        script,
        async () => {
          const view: RunView = await env.client.workflow.getHandle(runId).result();
          assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
          const commits = commitLog(repo, branch).filter((c) => /Planwright-Step:/.test(c.body));
          assert.deepEqual(
            commits.map((c) => c.subject),
            ['write src/a.txt'],
            'one commit for the one step that changed files',
          );
          assert.equal(fixtureGit(repo, 'show', `${view.tasks[0]!.work!.commit}:src/a.txt`), 'written once');
          const steps = await activitySummaries(env.client, `${runId}/solo`);
          assert.ok(steps.includes('move checkout'), steps.join(' | '));
        },
        { taskQueue },
      );
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await sim.close();
    }
  });
});
