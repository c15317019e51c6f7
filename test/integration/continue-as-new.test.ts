/**
 * Continue-as-new under a lowered history limit (the server suggests it after 40 events): the run keeps its DAG
 * state, running tasks, pending approvals and report across several runs of the same workflow id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { collectTaskOutcomes } from '../../src/activities/hand-over';
import { retryTasks } from '../../src/client';
import { TASK_REVIEW_FAILED } from '../../src/domain/errors';
import type { RunView, TaskOutcome } from '../../src/domain/run';
import { approveBudgetSignal, statusQuery } from '../../src/workflows/messages';
import { randomPlan } from '../helpers/dags';
import { answerOf } from '../helpers/decisions';
import { waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, uniqueId, withWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40']);
  await productionBundle();
});
after(() => env?.teardown());

async function runsOf(client: Client, workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) statuses.push(wf.status.name);
  return statuses;
}

async function historyLengthsOf(client: Client, workflowId: string): Promise<number[]> {
  const lengths: number[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    lengths.push((await client.workflow.getHandle(workflowId, wf.runId).describe()).historyLength);
  }
  return lengths;
}

describe('continue-as-new of a run', () => {
  it('completes a 40-task DAG across several runs, starting each task exactly once', async () => {
    const plan = randomPlan(40, 3);
    // Calls long enough that tasks are still running when a run hands over (a run drains its starts first).
    await withWorker(env, { latency: { implementer: { medianMs: 200, sigma: 0.5 } } }, async (h) => {
      const runId = uniqueId('can');
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: plan.goal, plan, maxConcurrency: 4, budgetCredits: 1500 }],
      });
      assert.equal(view.status, 'succeeded');
      assert.equal(view.counts.succeeded, 40);
      const runs = await runsOf(h.env.client, runId);
      assert.ok(runs.filter((s) => s === 'CONTINUED_AS_NEW').length >= 2, `runs: ${runs.join(', ')}`);
      // Once continue-as-new is suggested a run starts nothing more, so it closes within a few events of the limit:
      // at most 4 starts landing and 4 completions, each with a workflow task of its own (4 events), and the close.
      const lengths = await historyLengthsOf(h.env.client, runId);
      assert.ok(
        lengths.every((n) => n <= 40 + 8 * 4 + 8),
        `history lengths of the runs: ${lengths.join(', ')}`,
      );
      const implementerCalls = h.sim.requests().filter((r) => r.kind === 'implementer');
      assert.equal(implementerCalls.length, 40, 'each task implemented once');
      assert.equal(new Set(implementerCalls.map((r) => r.task)).size, 40);
      // Tasks running at a hand-over were told to report to the new run, and the run still got every outcome.
      let toldToReport = 0;
      for (const t of view.tasks) {
        const events = (await h.env.client.workflow.getHandle(t.workflowId).fetchHistory()).events ?? [];
        toldToReport += events.filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'reportToRun',
        ).length;
      }
      assert.ok(toldToReport > 0, 'some task was inherited across a continue-as-new');
      // Dependency order held across runs.
      const byId = new Map(view.tasks.map((t) => [t.id, t]));
      for (const t of view.tasks) {
        for (const d of t.deps)
          assert.ok(t.startedAt! >= byId.get(d)!.finishedAt!, `${t.id} started before ${d} ended`);
      }
    });
  });

  it('keeps pending approvals and decisions across continue-as-new', async () => {
    const plan = randomPlan(12, 5);
    await withWorker(env, { usage: 'max' }, async (h) => {
      const runId = uniqueId('can');
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: plan.goal, plan, maxConcurrency: 3, budgetCredits: 30, autoApproveCredits: 0 }],
      });
      let approvals = 0;
      for (;;) {
        const view = await handle.query(statusQuery);
        if (!['running', 'planning'].includes(view.status)) break;
        for (const p of view.pendingApprovals) {
          await handle.signal(approveBudgetSignal, { taskId: p.taskId, credits: 20, by: 'can-test' });
          approvals++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.ok(approvals > 0);
      const approved = view.decisions.filter((d) => d.decision === 'approved');
      assert.ok(approved.length >= 1 && approved.every((d) => d.by === 'can-test'));
      for (const t of view.tasks) assert.ok(t.spentMillicredits <= t.allocatedMillicredits + t.grantedMillicredits);
      assert.ok(view.spentMillicredits <= view.budgetMillicredits + view.approvedExtraMillicredits);
      const runs = await runsOf(h.env.client, runId);
      assert.ok(runs.includes('CONTINUED_AS_NEW'), `runs: ${runs.join(', ')}`);
    });
  });

  it("hands a retried task over: the next run books its attempt's outcome by the attempt's run id", async () => {
    const plan = { goal: 'g', tasks: [{ id: 'build', title: 'Build it', acceptanceCriteria: ['built'] }] };
    await withWorker(env, { tasks: { build: { verdicts: ['FAIL', 'PASS'] } } }, async (h) => {
      const runId = uniqueId('can-retry');
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan, maxReviewRounds: 1, onTaskFailure: 'hold' }],
      });
      await waitFor('the run to hold', async () => (await handle.query(statusQuery)).status === 'holding' || undefined);
      // The retried attempt's calls take long enough for the run, already past its history limit, to hand over.
      h.sim.setScenario({ tasks: { build: { verdicts: ['PASS'], latencyMs: { medianMs: 1500 } } } });
      const answer = answerOf(await retryTasks(h.env.client, runId, { taskIds: ['build'], by: 'ana' }));
      assert.equal(answer.accepted, true);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      const build = view.tasks[0]!;
      assert.deepEqual([build.attempt, build.attempts?.[0]?.status], [2, 'failed']);
      const attempts: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: `WorkflowId = "${runId}/build"` })) {
        attempts.push(wf.runId);
      }
      assert.equal(attempts.length, 2, 'one execution per attempt');
      assert.ok(attempts.includes(build.executionRunId!), "the report names the attempt's execution");
      const runs = await runsOf(h.env.client, runId);
      assert.ok(runs.includes('CONTINUED_AS_NEW'), `runs: ${runs.join(', ')}`);
      assert.deepEqual(
        view.holdDecisions?.map((d) => d.decision),
        ['retry'],
      );
    });
  });

  it('reads the outcomes of tasks that closed during a hand-over from their own results', async () => {
    await withWorker(env, { tasks: { a: { verdicts: ['FAIL'] } } }, async (h) => {
      const runId = uniqueId('handover');
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: diamondPlan(), maxReviewRounds: 1 }],
      });
      assert.equal(view.status, 'partial');
      const mock = new MockActivityEnvironment({}, { client: h.env.client });
      const outcomes = (await mock.run(collectTaskOutcomes, {
        tasks: ['a', 'e'].map((taskId) => ({ taskId, workflowId: `${runId}/${taskId}` })),
      })) as TaskOutcome[];
      const byId = Object.fromEntries(outcomes.map((o) => [o.taskId, o]));
      assert.equal(byId.a?.status, 'failed');
      assert.equal(byId.a?.failureType, TASK_REVIEW_FAILED);
      assert.equal(byId.a?.modelCalls, 2, 'the accounting the task attached to its failure');
      assert.equal(byId.e?.status, 'succeeded');
      assert.equal(byId.e?.spentMillicredits, view.tasks.find((t) => t.id === 'e')?.spentMillicredits);
    });
  });
});

describe('continue-as-new suggested from the first workflow task of every run', () => {
  // Every workflow task suggests continuing as new: a run that handed over at once would hand over forever.
  let eager: TestWorkflowEnvironment;
  before(async () => {
    eager = await createTestEnvironment(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=1']);
  });
  after(() => eager?.teardown());

  it('still finishes, each run moving the DAG on before it hands over', async () => {
    const plan = randomPlan(8, 7);
    await withWorker(eager, { latency: { implementer: { medianMs: 100 } } }, async (h) => {
      const runId = uniqueId('can-eager');
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: plan.goal, plan, maxConcurrency: 3, budgetCredits: 400 }],
        workflowExecutionTimeout: '2 minutes',
      });
      assert.equal(view.status, 'succeeded');
      assert.equal(view.counts.succeeded, 8);
      const implementerCalls = h.sim.requests().filter((r) => r.kind === 'implementer');
      assert.equal(new Set(implementerCalls.map((r) => r.task)).size, 8);
      assert.equal(implementerCalls.length, 8, 'each task implemented once');
      const runs = await runsOf(h.env.client, runId);
      assert.ok(runs.filter((s) => s === 'CONTINUED_AS_NEW').length >= 2, `runs: ${runs.join(', ')}`);
    });
  });
});
