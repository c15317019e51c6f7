/**
 * What the web UI reads of runs and tasks (src/client/run-details.ts, src/client/task-details.ts), on a real Temporal
 * server with the simulator: live runs by query, closed runs from results and histories with no worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { readRunDetails, spendsFromView } from '../../src/client/run-details';
import { readRunHistory, spendsOf } from '../../src/client/run-history';
import { readTaskDetails } from '../../src/client/task-details';
import { creditCurve } from '../../src/domain/credit-curve';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { RunDetails, TaskDetails } from '../../src/domain/run-details';
import { ServerUnreachableError, UserError } from '../../src/infra/errors';
import { taskStatesQuery } from '../../src/workflows/messages';
import { randomPlan } from '../helpers/dags';
import { userRepository } from '../helpers/git-fixtures';
import { waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

const UI = { webUiUrl: 'http://ui.test', namespace: 'default' };

function execute(h: Harness, input: GoalInputJson, workflowId: string): Promise<RunView> {
  return h.env.client.workflow.execute('goalWorkflow', { taskQueue: h.taskQueue, workflowId, args: [input] });
}

describe('run and task details for the web UI', () => {
  const runId = uniqueId('run');
  let view: RunView;
  let details: RunDetails;

  it("shows a finished text run's graph in plan order, its critical path and a spending curve ending at its spend", async () => {
    await withWorker(env, { tasks: { b: { verdicts: ['FAIL', 'PASS'] } } }, async (h) => {
      view = await execute(h, { goal: 'g', plan: diamondPlan(), maxConcurrency: 2 }, runId);
      details = RunDetails.parse(await readRunDetails(h.env.client, runId, UI));
    });
    assert.equal(view.status, 'succeeded');
    assert.equal(details.live, false);
    assert.equal(details.closedAs, undefined);
    assert.deepEqual(details.view, view);
    assert.deepEqual(
      details.graph.map((n) => [n.id, n.status, n.deps]),
      [
        ['a', 'succeeded', []],
        ['b', 'succeeded', ['a']],
        ['c', 'succeeded', ['a']],
        ['d', 'succeeded', ['b', 'c']],
        ['e', 'succeeded', []],
      ],
    );
    assert.deepEqual(details.graph[1], {
      id: 'b',
      title: 'Task b',
      agentType: 'code',
      effort: 2,
      deps: ['a'],
      status: 'succeeded',
    });
    // Every task has effort 2: a-b-d and a-c-d tie, and plan order picks b.
    assert.deepEqual(details.criticalPath, ['a', 'b', 'd']);
    const spent = details.credits.map((p) => p.spentMillicredits);
    assert.equal(spent[0], 0);
    assert.equal(spent.at(-1), view.spentMillicredits);
    assert.ok(view.spentMillicredits > 0);
    for (let i = 1; i < spent.length; i++)
      assert.ok(spent[i]! >= spent[i - 1]!, `spend never falls: ${spent.join(', ')}`);
    const times = details.credits.map((p) => p.at);
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    assert.ok(details.credits.every((p) => p.budgetMillicredits === view.budgetMillicredits));
    // A point at the start, one for planning and one per task end.
    assert.equal(details.credits.length, 2 + 5);
    assert.equal(details.webUiUrl, `http://ui.test/namespaces/default/workflows/${runId}`);
  });

  it("reads the same curve from the run's history as from its view (what runs of over 1,000 tasks use)", async () => {
    const description = await env.client.workflow.getHandle(runId).describe();
    const chain = await readRunHistory(env.client, runId, description.runId);
    const fromHistory = creditCurve({
      startedAt: view.startedAt,
      budgetMillicredits: view.budgetMillicredits,
      spends: spendsOf(chain),
      decisions: [],
    });
    const fromView = creditCurve({
      startedAt: view.startedAt,
      budgetMillicredits: view.budgetMillicredits,
      spends: spendsFromView(view),
      decisions: [],
    });
    assert.equal(fromHistory.length, fromView.length);
    assert.equal(fromHistory.at(-1)!.spentMillicredits, view.spentMillicredits);
    assert.deepEqual([...chain[0]!.ends.keys()].sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('reads a closed run with no worker running: the same graph and view', async () => {
    const again = await readRunDetails(env.client, runId, UI);
    assert.deepEqual(again.graph, details.graph);
    assert.deepEqual(again.view, details.view);
    assert.deepEqual(again.credits, details.credits);
  });

  it("shows a task's rounds with their verdicts, its model calls with tokens and credits, and its output", async () => {
    const task = TaskDetails.parse(await readTaskDetails(env.client, runId, 'b', UI));
    assert.equal(task.started, true);
    assert.equal(task.live, false);
    assert.equal(task.workflowId, `${runId}/b`);
    assert.equal(task.webUiUrl, `http://ui.test/namespaces/default/workflows/${encodeURIComponent(`${runId}/b`)}`);
    assert.deepEqual(
      task.rounds.map((r) => [r.round, r.verdicts.map((v) => v.verdict)]),
      [
        [1, ['FAIL']],
        [2, ['PASS']],
      ],
    );
    assert.ok(task.rounds[0]!.verdicts[0]!.feedback.length > 0);
    assert.deepEqual(
      task.modelCalls.map((c) => [c.activity, c.round]),
      [
        ['implementTask', 1],
        ['reviewTask', 1],
        ['implementTask', 2],
        ['reviewTask', 2],
      ],
    );
    for (const call of task.modelCalls) {
      assert.ok(call.inputTokens > 0 && call.outputTokens > 0 && call.spentMillicredits > 0, JSON.stringify(call));
      assert.ok(call.model);
    }
    const taskView = view.tasks.find((t) => t.id === 'b')!;
    assert.equal(
      task.modelCalls.reduce((n, c) => n + c.spentMillicredits, 0),
      taskView.spentMillicredits,
      "the calls add up to the task's spend",
    );
    assert.match(task.output ?? '', /Task b \(b\) is complete/);
    assert.equal(task.diff, undefined);
    assert.equal(task.progress, undefined);
  });

  it('says which run id is unknown', async () => {
    await assert.rejects(
      readRunDetails(env.client, 'pw-no-such-run', UI),
      (err: Error) => err instanceof UserError && /no run with id "pw-no-such-run"/.test(err.message),
    );
    await assert.rejects(
      readTaskDetails(env.client, 'pw-no-such-run', 'a', UI),
      (err: Error) => err instanceof UserError && /no run with id "pw-no-such-run"/.test(err.message),
    );
  });

  it('names the address of a server it cannot reach', async () => {
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }) });
    try {
      await assert.rejects(
        readRunDetails(client, runId, UI),
        (err: Error) =>
          err instanceof ServerUnreachableError &&
          /cannot reach the Temporal server at 127\.0\.0\.1:1/.test(err.message),
      );
    } finally {
      await client.connection.close();
    }
  });

  it('names an unknown task id and suggests the closest one', async () => {
    await assert.rejects(
      readTaskDetails(env.client, runId, 'bb', UI),
      (err: Error) =>
        err instanceof UserError && err.message.includes(`run ${runId} has no task "bb"; did you mean "b"?`),
    );
  });
});

describe('details of a live run', () => {
  it('reads task states by the taskStates query, and shows running tasks as running', async () => {
    // Task e's implementer never answers, so the run stays open while the others finish.
    const scenario = { faults: [{ kind: 'implementer' as const, task: 'e', type: 'hang' as const, times: 100 }] };
    await withWorker(env, scenario, async (h) => {
      const runId = uniqueId('run');
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: diamondPlan() } satisfies GoalInputJson],
      });
      try {
        const states = await waitFor('a..d to succeed', async () => {
          const s = await handle.query(taskStatesQuery);
          return s.d === 'succeeded' ? s : undefined;
        });
        assert.deepEqual(states, { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded', e: 'running' });
        const details = RunDetails.parse(await readRunDetails(h.env.client, runId, UI));
        assert.equal(details.live, true);
        assert.deepEqual(
          details.graph.map((n) => n.status),
          ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'running'],
        );
        const last = details.credits.at(-1)!;
        assert.ok(last.spentMillicredits >= details.view.spentMillicredits);
        const e = TaskDetails.parse(await readTaskDetails(h.env.client, runId, 'e', UI));
        assert.equal(e.live, true);
        assert.equal(e.progress?.phase, 'implementing');
        assert.deepEqual(e.modelCalls, []);
      } finally {
        await handle.terminate('test over');
      }
    });
  });

  it('shows a terminated run as closed, with the reason and what its history says', async () => {
    const scenario = { faults: [{ kind: 'implementer' as const, task: 'e', type: 'hang' as const, times: 100 }] };
    const runId = uniqueId('run');
    await withWorker(env, scenario, async (h) => {
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: diamondPlan() } satisfies GoalInputJson],
      });
      await waitFor('d to succeed', async () =>
        (await handle.query(taskStatesQuery)).d === 'succeeded' ? true : undefined,
      );
      await handle.terminate('enough');
      await h.env.client.workflow.getHandle(`${runId}/e`).terminate('enough');
    });
    const details = RunDetails.parse(await readRunDetails(env.client, runId, UI));
    assert.equal(details.live, false);
    assert.match(details.closedAs ?? '', /^terminated: enough/);
    assert.deepEqual(
      details.graph.map((n) => [n.id, n.status]),
      [
        ['a', 'succeeded'],
        ['b', 'succeeded'],
        ['c', 'succeeded'],
        ['d', 'succeeded'],
        ['e', 'failed'],
      ],
    );
    assert.equal(details.view.status, 'partial');
    assert.ok(details.view.spentMillicredits > 0);
    assert.equal(details.credits.at(-1)!.spentMillicredits, details.view.spentMillicredits);
  });
});

describe('details of an acting task', () => {
  it('shows tool steps, verify results per round and the diff', async () => {
    const repo = userRepository({ 'package.json': '{ "name": "fixture", "version": "1.0.0" }\n' });
    const failingTest =
      "const test = require('node:test');\nconst assert = require('node:assert');\ntest('x', () => assert.equal(1, 2));\n";
    const scenario = {
      tasks: {
        calc: {
          toolScript: [{ tool: 'write_file', arguments: { path: 'test/calc.test.js', content: failingTest } }],
          toolScriptRounds: 1,
        },
      },
    };
    const runId = uniqueId('run');
    await withWorker(env, scenario, async (h) => {
      const view = await execute(
        h,
        {
          goal: 'g',
          plan: { goal: 'g', tasks: [{ id: 'calc', title: 'Task calc', acceptanceCriteria: ['done'] }] },
          workspace: { repo, policy: { commands: ['node --test'], verify: ['node --test'] } },
        },
        runId,
      );
      assert.equal(view.status, 'succeeded');
    });
    const task = TaskDetails.parse(await readTaskDetails(env.client, runId, 'calc', UI));
    assert.deepEqual(
      task.rounds.map((r) => [r.round, r.verify.map((v) => v.passed), r.verdicts.map((v) => v.verdict)]),
      [
        [1, [false], []],
        [2, [true], ['PASS']],
      ],
    );
    assert.equal(task.rounds[0]!.verify[0]!.command, 'node --test');
    assert.equal(task.rounds[0]!.verify[0]!.exitCode, 1);
    const steps = task.rounds.flatMap((r) => r.steps);
    assert.ok(steps.length > 0);
    assert.ok(
      steps.some((s) => s.summary.startsWith('write test/calc.test.js') && s.ok && s.commit),
      JSON.stringify(steps),
    );
    assert.ok(task.modelCalls.some((c) => c.activity === 'agentTurn' && c.round === 1 && c.spentMillicredits > 0));
    assert.ok(task.modelCalls.some((c) => c.activity === 'reviewWork' && c.round === 2));
    assert.equal(task.output, undefined);
    assert.equal(task.diffError, undefined);
    assert.match(task.diff ?? '', /diff --git/);
    const run = await readRunDetails(env.client, runId, UI);
    assert.match(run.result ?? '', /^branch planwright\/.+\/_result \([0-9a-f]{10}\), verified: passed node --test$/);
  });
});

describe('details of a run that continued as new', () => {
  // A server that suggests continue-as-new after 40 events: a 40-task run spans several executions.
  let canEnv: TestWorkflowEnvironment;
  before(async () => {
    canEnv = await createTestEnvironment(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']);
  });
  after(() => canEnv?.teardown());

  it('follows every execution: the plan from the first, every task end from whichever execution booked it', async () => {
    const plan = randomPlan(40, 3);
    const runId = uniqueId('can');
    let view: RunView | undefined;
    await withWorker(canEnv, { latency: { implementer: { medianMs: 200, sigma: 0.5 } } }, async (h) => {
      view = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: plan.goal, plan, maxConcurrency: 4, budgetCredits: 1500 } satisfies GoalInputJson],
      });
    });
    assert.equal(view?.status, 'succeeded');
    const details = await readRunDetails(canEnv.client, runId, UI);
    assert.deepEqual(
      details.graph.map((n) => n.id),
      plan.tasks.map((t) => t.id),
    );
    assert.ok(details.graph.every((n) => n.status === 'succeeded'));
    const description = await canEnv.client.workflow.getHandle(runId).describe();
    const chain = await readRunHistory(canEnv.client, runId, description.runId);
    assert.ok(chain.length >= 3, `${chain.length} executions`);
    assert.equal(chain[0]!.plan?.tasks.length, 40);
    const spends = spendsOf(chain);
    assert.equal(spends.length, 1 + 40, 'planning and each task once');
    assert.equal(
      spends.reduce((n, s) => n + s.millicredits, 0),
      view!.spentMillicredits,
    );
  });
});
