/** goalWorkflow and taskWorkflow on a real Temporal server, the worker talking HTTP to the simulator. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { INVALID_INPUT, INVALID_PLAN, TASK_REVIEW_FAILED } from '../../src/domain/errors';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { statusQuery } from '../../src/workflows/messages';
import { scheduledActivities, startedChildren, waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

function execute(h: Harness, input: GoalInputJson, workflowId = uniqueId('run')): Promise<RunView> {
  return h.env.client.workflow.execute('goalWorkflow', { taskQueue: h.taskQueue, workflowId, args: [input] });
}

describe('goalWorkflow on a real Temporal server', () => {
  it('runs a plan as one child workflow per task, with deterministic ids, in dependency order', async () => {
    await withWorker(env, { latency: { implementer: { medianMs: 50 } } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(h, { goal: 'g', plan: diamondPlan(), maxConcurrency: 2 }, runId);
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(view.counts, { succeeded: 5 });
      const children = await startedChildren(h.env.client, runId);
      assert.deepEqual(new Set(children), new Set(['a', 'b', 'c', 'd', 'e'].map((t) => `${runId}/${t}`)));
      for (const child of children) {
        const activities = await scheduledActivities(h.env.client, child);
        assert.deepEqual(activities, ['implementTask', 'reviewTask'], `activities of ${child}`);
      }
      const at = (id: string, key: 'startedAt' | 'finishedAt') => view.tasks.find((t) => t.id === id)![key]!;
      assert.ok(at('d', 'startedAt') >= at('b', 'finishedAt') && at('d', 'startedAt') >= at('c', 'finishedAt'));
      assert.ok(at('b', 'startedAt') >= at('a', 'finishedAt'));
      // Dependents receive their dependencies' summaries as context.
      const dPrompt = h.sim.requests().find((r) => r.kind === 'implementer' && r.task === 'd')!.messages[1]!.content;
      assert.match(dPrompt, /# Output of dependencies\n## b: Task b\nTask b \(b\) is complete/);
    });
  });

  it('asks the planner for a plan when none is given, and runs it', async () => {
    await withWorker(env, {}, async (h) => {
      const view = await execute(h, { goal: 'Build a CSV to JSON converter', maxConcurrency: 3 });
      assert.equal(view.status, 'succeeded');
      assert.equal(view.tasks.length, 5);
      assert.equal(h.sim.requests().filter((r) => r.kind === 'planner').length, 1);
      assert.ok(view.spentMillicredits > 0);
    });
  });

  it('sends FAIL feedback back: FAIL, FAIL, PASS makes three implementer and three reviewer calls', async () => {
    const plan = {
      goal: 'g',
      tasks: [{ id: 'only', title: 'The task', acceptanceCriteria: ['It works', 'It is tested'] }],
    };
    await withWorker(env, { tasks: { only: { verdicts: ['FAIL', 'FAIL', 'PASS'] } } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(h, { goal: 'g', plan }, runId);
      assert.equal(view.status, 'succeeded');
      assert.equal(view.tasks[0]?.reviewRounds, 3);
      const calls = h.sim.requests().filter((r) => r.task === 'only');
      const implementer = calls.filter((r) => r.kind === 'implementer');
      assert.equal(implementer.length, 3);
      assert.equal(calls.filter((r) => r.kind === 'reviewer').length, 3);
      assert.doesNotMatch(implementer[0]!.messages[1]!.content, /# Reviewer feedback/);
      for (const [i, call] of implementer.slice(1).entries()) {
        assert.match(call.messages[1]!.content, new RegExp(`# Reviewer feedback \\(round ${i + 1}: FAIL\\)`));
        assert.match(call.messages[1]!.content, /Show evidence for: It works/);
      }
      assert.deepEqual(await scheduledActivities(h.env.client, `${runId}/only`), [
        'implementTask',
        'reviewTask',
        'implementTask',
        'reviewTask',
        'implementTask',
        'reviewTask',
      ]);
    });
  });

  it('fails a task that never passes review, skips its dependents, and finishes the independent branch', async () => {
    await withWorker(env, { tasks: { a: { verdicts: ['FAIL'] } } }, async (h) => {
      const runId = uniqueId('run');
      const view = await execute(h, { goal: 'g', plan: diamondPlan(), maxReviewRounds: 2 }, runId);
      assert.equal(view.status, 'partial');
      const byId = Object.fromEntries(view.tasks.map((t) => [t.id, t]));
      assert.equal(byId.a?.status, 'failed');
      assert.match(byId.a?.error ?? '', /review failed after 2 round\(s\)/);
      for (const id of ['b', 'c', 'd']) {
        assert.equal(byId[id]?.status, 'skipped');
        assert.match(byId[id]?.error ?? '', /dependency "(a|b|c)" did not succeed/);
      }
      assert.equal(byId.e?.status, 'succeeded');
      const child = await h.env.client.workflow
        .getHandle(`${runId}/a`)
        .result()
        .catch((e: unknown) => e);
      assert.ok(child instanceof WorkflowFailedError);
      assert.ok(child.cause instanceof ApplicationFailure && child.cause.type === TASK_REVIEW_FAILED);
      assert.equal((await startedChildren(h.env.client, runId)).length, 2, 'skipped tasks never start');
    });
  });

  it('fails fast: nothing new starts after the first failure', async () => {
    const plan = diamondPlan();
    await withWorker(env, { tasks: { a: { verdicts: ['FAIL'] }, e: { latencyMs: { medianMs: 30 } } } }, async (h) => {
      const view = await execute(h, { goal: 'g', plan, maxReviewRounds: 1, failFast: true, maxConcurrency: 1 });
      assert.equal(view.status, 'failed');
      const byId = Object.fromEntries(view.tasks.map((t) => [t.id, t]));
      assert.equal(byId.a?.status, 'failed');
      assert.equal(byId.e?.status, 'skipped');
      assert.match(byId.e?.error ?? '', /fail-fast: task "a" failed/);
    });
  });

  it('rejects input without a goal with InvalidInput', async () => {
    await withWorker(env, {}, async (h) => {
      const err = await execute(h, { goal: '' }).catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, INVALID_INPUT);
      assert.match(err.cause.message, /input\.goal/);
    });
  });

  it('rejects a plan with a cycle with InvalidPlan naming the cycle, before any task starts', async () => {
    const plan = diamondPlan();
    plan.tasks[0]!.deps = ['d'];
    await withWorker(env, {}, async (h) => {
      const runId = uniqueId('run');
      const err = await execute(h, { goal: 'g', plan }, runId).catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError);
      const cause = err.cause?.cause;
      assert.ok(cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(cause.type, INVALID_PLAN);
      assert.match(cause.message, /dependency cycle: .* -> .* -> .*/);
      assert.deepEqual(await startedChildren(h.env.client, runId), []);
    });
  });

  it('cancels running children when the run is cancelled, and still returns a report', async () => {
    await withWorker(env, { latency: { implementer: { medianMs: 60_000 } } }, async (h) => {
      const runId = uniqueId('run');
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: diamondPlan() }],
      });
      await waitFor('two running tasks', async () => {
        const view = await handle.query(statusQuery);
        return view.tasks.filter((t) => t.status === 'running').length === 2 || undefined;
      });
      await handle.cancel();
      const view: RunView = await handle.result();
      assert.equal(view.status, 'cancelled');
      const byId = Object.fromEntries(view.tasks.map((t) => [t.id, t.status]));
      assert.deepEqual(byId, { a: 'cancelled', e: 'cancelled', b: 'skipped', c: 'skipped', d: 'skipped' });
      const child = await h.env.client.workflow.getHandle(`${runId}/a`).describe();
      assert.equal(child.status.name, 'CANCELLED');
      await waitFor(
        'the in-flight model call to be closed',
        async () => h.sim.requests().some((r) => r.kind === 'implementer' && r.clientClosed) || undefined,
      );
    });
  });
});
