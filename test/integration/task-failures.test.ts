/**
 * A failed task waits for a person: under onTaskFailure "hold" the rest of the run goes on, then the run holds,
 * durably, until a person retries the failed task (with feedback, credits, rounds), finishes the run, or the hold
 * runs out. Each decision, refusals included, is in the run's record; tasks that passed never run again.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { finishRun, retryTasks } from '../../src/client';
import { taskBranch } from '../../src/domain/git-refs';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { RUN_STATUS_ATTRIBUTE } from '../../src/domain/search-attributes';
import { startSimulator } from '../../src/simulator/server';
import { retryTasksSignal, statusQuery } from '../../src/workflows/messages';
import { planwright } from '../helpers/cli';
import { answerOf } from '../helpers/decisions';
import { fixtureGit, userRepository } from '../helpers/git-fixtures';
import { waitFor } from '../helpers/history';
import {
  createTestEnvironment,
  productionBundle,
  simSettings,
  uniqueId,
  withWorker,
  type Harness,
} from '../helpers/temporal';
import { startWebhook } from '../helpers/webhook';
import { spawnWorker } from '../helpers/worker-process';

let env: TestWorkflowEnvironment;
let cliEnv: NodeJS.ProcessEnv;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
  cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
});
after(() => env?.teardown());

/** `build` fails its one review round, then passes; `docs` (independent) passes; `ship` needs `build`. */
const plan = {
  goal: 'g',
  tasks: [
    { id: 'build', title: 'Build it', acceptanceCriteria: ['built'] },
    { id: 'docs', title: 'Write docs', acceptanceCriteria: ['written'] },
    { id: 'ship', title: 'Ship it', acceptanceCriteria: ['shipped'], deps: ['build'] },
  ],
};
const scenario = { tasks: { build: { verdicts: ['FAIL', 'PASS'] as ('FAIL' | 'PASS')[] } } };
const holdingRun = (extra: Partial<GoalInputJson> = {}): GoalInputJson => ({
  goal: 'g',
  plan,
  maxReviewRounds: 1,
  onTaskFailure: 'hold',
  ...extra,
});

async function startHolding(h: Harness, input: GoalInputJson): Promise<{ runId: string; handle: WorkflowHandle }> {
  const runId = uniqueId('run');
  const handle = await h.env.client.workflow.start('goalWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: runId,
    args: [input],
  });
  await waitFor('the run to hold', async () =>
    (await handle.query(statusQuery)).status === 'holding' ? true : undefined,
  );
  return { runId, handle };
}

const implementerPrompts = (h: Harness, taskId: string) =>
  h.sim
    .requests()
    .filter((r) => r.task === taskId && r.kind === 'implementer')
    .map((r) => r.messages.map((m) => String(m.content)).join('\n'));

describe('a failed task waits for a person', () => {
  it('holds, says so everywhere, and a retry with feedback lets the task and its dependents succeed', async () => {
    const hook = await startWebhook({});
    try {
      const settings = (sim: Parameters<typeof simSettings>[0]) => ({
        ...simSettings(sim),
        notifications: { webhookUrl: hook.url },
      });
      await withWorker(
        env,
        scenario,
        async (h) => {
          const { runId, handle } = await startHolding(h, holdingRun());
          const held: RunView = await handle.query(statusQuery);
          // Everything that did not depend on the failure went on; the dependent is skipped, not lost.
          assert.deepEqual(
            held.tasks.map((t) => [t.id, t.status]),
            [
              ['build', 'failed'],
              ['docs', 'succeeded'],
              ['ship', 'skipped'],
            ],
          );
          assert.deepEqual(
            held.holding?.failed.map((f) => [f.taskId, f.attempt]),
            [['build', 1]],
          );
          assert.match(held.holding!.failed[0]!.error, /review failed after 1 round/);
          const described = await waitFor('the search attribute', async () => {
            const d = await handle.describe();
            return d.typedSearchAttributes.get(RUN_STATUS_ATTRIBUTE) === 'holding' ? d : undefined;
          });
          assert.equal(described.status.name, 'RUNNING');
          const told = await waitFor('the webhook', async () =>
            hook.received.find((r) => r.body.event === 'task_failed_waiting'),
          );
          assert.deepEqual(
            told.body.failedTasks?.map((f) => f.taskId),
            ['build'],
          );
          assert.match(told.body.text, new RegExp(`planwright retry ${runId} build`));
          const status = await planwright(['status', runId], cliEnv);
          assert.match(status.stdout, /Holding since .* for a person/);
          assert.match(status.stdout, new RegExp(`Retry: (npx )?planwright retry ${runId} build`));
          const pending = await planwright(['pending'], cliEnv);
          assert.match(pending.stdout, new RegExp(`${runId}\\s+build\\s+failed, the run holds`));

          // A task that did not fail is refused, with the run's reason, and recorded.
          const wrong = await planwright(['retry', runId, 'docs', '--by', 'ana'], cliEnv);
          assert.equal(wrong.code, 2, wrong.stderr);
          assert.match(wrong.stderr, /the run refused the retry: task "docs" is succeeded/);

          const retried = await planwright(
            ['retry', runId, 'ship', '--feedback', 'Use the fast linker this time.', '--by', 'ana'],
            cliEnv,
          );
          assert.equal(retried.code, 0, retried.stderr);
          // Naming the skipped dependent retries the failure it waited for.
          assert.match(retried.stdout, new RegExp(`Retrying build, ship in ${runId}`));
          const view: RunView = await handle.result();
          assert.equal(view.status, 'succeeded');
          const build = view.tasks.find((t) => t.id === 'build')!;
          assert.deepEqual(
            [build.status, build.attempt, build.attempts?.map((a) => [a.attempt, a.status])],
            ['succeeded', 2, [[1, 'failed']]],
          );
          assert.ok(build.attempts![0]!.spentMillicredits > 0, 'the first attempt kept what it spent');
          const tasksSpent = view.tasks.reduce(
            (sum, t) => sum + t.spentMillicredits + (t.attempts ?? []).reduce((s, a) => s + a.spentMillicredits, 0),
            0,
          );
          assert.ok(view.spentMillicredits >= tasksSpent, 'the run counts every attempt');
          // The person's word reached the new attempt's first round, beside the reviewer's last.
          const prompts = implementerPrompts(h, 'build');
          assert.equal(prompts.length, 2);
          assert.doesNotMatch(prompts[0]!, /Feedback from a person/);
          assert.match(
            prompts[1]!,
            /# Feedback from a person \(ana, retrying the task\)\nUse the fast linker this time\./,
          );
          assert.match(prompts[1]!, /# Reviewer feedback \(the previous attempt: FAIL\)\nreview failed after 1 round/);
          // Tasks that passed never ran again.
          assert.equal(implementerPrompts(h, 'docs').length, 1);
          assert.deepEqual(
            view.holdDecisions?.map((d) => [d.decision, d.taskIds, d.by]),
            [
              ['refused', ['docs'], 'ana'],
              ['retry', ['build', 'ship'], 'ana'],
            ],
          );
          assert.equal(view.holding, undefined);
        },
        { settings },
      );
    } finally {
      hook.close();
    }
  });

  it('finishes a holding run with what it has when a person says so, recorded', async () => {
    await withWorker(env, scenario, async (h) => {
      const { runId, handle } = await startHolding(h, holdingRun());
      const answer = answerOf(await finishRun(h.env.client, runId, { by: 'ana', reason: 'good enough' }));
      assert.equal(answer.accepted, true);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'partial');
      assert.deepEqual(
        view.holdDecisions?.map((d) => [d.decision, d.taskIds, d.by, d.note]),
        [['finish', ['build'], 'ana', 'good enough']],
      );
      // The same decision again (the CLI's signal fallback) after the run closed is the caller's mistake, named.
      await assert.rejects(finishRun(h.env.client, runId, { by: 'ana' }), /has ended \(completed\)/);
    });
  });

  it('finishes by itself when nobody decides within the hold timeout', async () => {
    await withWorker(env, scenario, async (h) => {
      const { handle } = await startHolding(h, holdingRun({ holdTimeoutSeconds: 2 }));
      const view: RunView = await handle.result();
      assert.equal(view.status, 'partial');
      assert.deepEqual(
        view.holdDecisions?.map((d) => [d.decision, d.by]),
        [['timed-out', 'timer']],
      );
      assert.match(view.holdDecisions![0]!.note!, /within 2 s \(holdTimeoutSeconds\)/);
    });
  });

  it('refuses a retry with credits from someone not on the approver list, and applies a decision id once', async () => {
    await withWorker(env, scenario, async (h) => {
      const { runId, handle } = await startHolding(h, holdingRun({ approvers: [{ approver: 'ana', maxCredits: 20 }] }));
      const stranger = answerOf(
        await retryTasks(h.env.client, runId, { taskIds: ['build'], credits: 5, by: 'mallory' }),
      );
      assert.equal(stranger.accepted, false);
      assert.match(stranger.reason ?? '', /"mallory" is not on this run's approver list/);
      const over = answerOf(await retryTasks(h.env.client, runId, { taskIds: ['build'], credits: 50, by: 'ana' }));
      assert.match(over.reason ?? '', /may approve at most 20 credits at once/);
      const before: RunView = await handle.query(statusQuery);
      assert.equal(before.status, 'holding');
      assert.equal(before.approvedExtraMillicredits, 0);

      const decisionId = uniqueId('decision');
      const ok = answerOf(
        await retryTasks(h.env.client, runId, { taskIds: ['build'], credits: 5, rounds: 2, by: 'ana', decisionId }),
      );
      assert.deepEqual([ok.accepted, ok.taskIds], [true, ['build', 'ship']]);
      // The signal fallback of the same decision: a duplicate, applied once.
      await handle.signal(retryTasksSignal, { taskIds: ['build'], credits: 5, by: 'ana', decisionId });
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.equal(view.approvedExtraMillicredits, 5000, 'the credits were approved once');
      assert.deepEqual(
        view.holdDecisions?.map((d) => [d.decision, d.by]),
        [
          ['refused', 'mallory'],
          ['refused', 'ana'],
          ['retry', 'ana'],
          ['duplicate', 'ana'],
        ],
      );
      assert.deepEqual(
        view.decisions.filter((d) => d.decision === 'approved').map((d) => [d.by, d.millicredits]),
        [['ana', 5000]],
      );
      assert.equal(view.refused?.count, 2);
    });
  });

  for (const fromBase of [false, true]) {
    it(`retries an acting task ${fromBase ? 'from the base (--from-base)' : 'from its branch as the last attempt left it'}`, async () => {
      const repo = userRepository({ 'README.md': '# Fixture\n' });
      await withWorker(env, { tasks: { build: { verdicts: ['FAIL', 'PASS'] } } }, async (h) => {
        const { runId, handle } = await startHolding(h, {
          goal: 'g',
          plan: { goal: 'g', tasks: [{ id: 'build', title: 'Build it', acceptanceCriteria: ['built'] }] },
          maxReviewRounds: 1,
          onTaskFailure: 'hold',
          workspace: { repo },
        });
        const branch = taskBranch(runId, 'build');
        const firstHead = fixtureGit(repo, 'rev-parse', branch);
        const base = fixtureGit(repo, 'rev-parse', 'main');
        assert.notEqual(firstHead, base, 'the first attempt committed its work');
        const answer = answerOf(await retryTasks(h.env.client, runId, { taskIds: ['build'], fromBase, by: 'ana' }));
        assert.equal(answer.accepted, true);
        const view: RunView = await handle.result();
        assert.equal(view.status, 'succeeded', view.tasks[0]?.error);
        const secondHead = fixtureGit(repo, 'rev-parse', branch);
        const continued = (() => {
          try {
            fixtureGit(repo, 'merge-base', '--is-ancestor', firstHead, secondHead);
            return true;
          } catch {
            return false;
          }
        })();
        assert.equal(
          continued,
          !fromBase,
          "the first attempt's commits are in the branch unless it started from the base",
        );
        assert.equal(fixtureGit(repo, 'merge-base', base, secondHead), base);
      });
    });
  }

  it('finishes a retry whose worker was killed (SIGKILL) mid-attempt on another worker; what passed never runs again', async () => {
    const taskQueue = uniqueId('tq');
    // The retried attempt's model call takes long enough to be cut off by the kill.
    const sim = await startSimulator({
      scenario: { tasks: { build: { verdicts: ['FAIL', 'PASS'] } } },
    });
    const worker = spawnWorker(env.address, taskQueue, sim.url);
    const handle = env.client.workflow.getHandle(uniqueId('run'));
    const runId = handle.workflowId;
    try {
      await env.client.workflow.start('goalWorkflow', { taskQueue, workflowId: runId, args: [holdingRun()] });
      await waitFor(
        'the run to hold',
        async () => ((await handle.query(statusQuery)).status === 'holding' ? true : undefined),
        90_000,
      );
      sim.setScenario({
        tasks: { build: { verdicts: ['PASS'], latencyMs: { medianMs: 60_000 } } },
      });
      const answer = answerOf(await retryTasks(env.client, runId, { taskIds: ['build'], by: 'ana' }));
      assert.equal(answer.accepted, true);
      await waitFor(
        "the retried attempt's call to be out",
        async () =>
          sim.requests().filter((r) => r.task === 'build' && r.kind === 'implementer').length === 2 || undefined,
        60_000,
      );
    } finally {
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      await sim.close();
    }
    // Another worker, with a simulator of its own, takes the attempt over once the cut-off call's heartbeat times out.
    await withWorker(
      env,
      { tasks: { build: { verdicts: ['PASS'] } } },
      async (h) => {
        const view: RunView = await handle.result();
        assert.equal(view.status, 'succeeded');
        const build = view.tasks.find((t) => t.id === 'build')!;
        assert.deepEqual([build.attempt, build.attempts?.length], [2, 1]);
        const all = [...sim.requests(), ...h.sim.requests()];
        assert.equal(all.filter((r) => r.task === 'docs' && r.kind === 'implementer').length, 1, 'docs ran once');
        assert.equal(h.sim.requests().filter((r) => r.task === 'ship').length > 0, true, 'the dependent ran after');
      },
      { taskQueue },
    );
  });

  it('`run --wait` still ends PARTIAL at a failed task (onTaskFailure finish), as CI jobs expect', async () => {
    await withWorker(env, scenario, async (h) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'pw-fail-'));
      const file = path.join(dir, 'plan.json');
      writeFileSync(file, JSON.stringify(plan));
      const runId = uniqueId('cli');
      const result = await planwright(
        [
          'run',
          '--plan',
          file,
          '--max-review-rounds',
          '1',
          '--wait',
          '--json',
          '--id',
          runId,
          '--task-queue',
          h.taskQueue,
        ],
        cliEnv,
      );
      assert.equal(result.code, 1, result.stderr);
      const view = JSON.parse(result.stdout) as RunView;
      assert.equal(view.status, 'partial');
      assert.deepEqual(
        view.tasks.map((t) => [t.id, t.status]),
        [
          ['build', 'failed'],
          ['docs', 'succeeded'],
          ['ship', 'skipped'],
        ],
      );
      assert.equal(view.holdDecisions, undefined, 'it never held');
      const retry = await planwright(['retry', runId, 'build'], cliEnv);
      assert.equal(retry.code, 2);
      assert.match(retry.stderr, /has ended \(completed\); it takes no more decisions/);
    });
  });
});
