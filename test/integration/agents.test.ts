/** The agents' quality loops on a real server: planner repair, review panels deciding by majority, escalation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MODEL_OUTPUT_INVALID } from '../../src/domain/errors';
import type { PlanInput } from '../../src/domain/plan';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

function execute(h: Harness, input: GoalInputJson): Promise<RunView> {
  return h.env.client.workflow.execute('goalWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: uniqueId('run'),
    args: [input],
  });
}

const single = (critical: boolean): PlanInput => ({
  goal: 'g',
  tasks: [
    { id: 'only', title: 'The task', agentType: 'code', critical, acceptanceCriteria: ['It works', 'It is tested'] },
  ],
});

describe('planner repair', () => {
  it('sends an invalid plan back with its exact errors, and runs the repaired plan', async () => {
    await withWorker(env, { faults: [{ kind: 'planner', type: 'bad-plan', times: 1 }] }, async (h) => {
      const view = await execute(h, { goal: 'Build a CSV to JSON converter' });
      assert.equal(view.status, 'succeeded');
      const planner = h.sim.requests().filter((r) => r.kind === 'planner');
      assert.equal(planner.length, 2);
      const repair = planner[1]!.messages.at(-1)!.content;
      assert.match(repair, /did not match the required JSON schema/);
      assert.match(repair, /task "t5": unknown agentType "wizard"; use one of: /);
    });
  });

  it('fails the run with OutputInvalid listing the errors when every repair is invalid too', async () => {
    await withWorker(env, { faults: [{ kind: 'planner', type: 'bad-plan', times: 3 }] }, async (h) => {
      const err = await execute(h, { goal: 'Build it' }).catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ActivityFailure);
      const failure = err.cause.cause;
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, MODEL_OUTPUT_INVALID);
      assert.match(failure.message, /after 2 repair round\(s\): task "t5": unknown agentType "wizard"/);
      assert.equal(h.sim.requests().filter((r) => r.kind === 'planner').length, 3);
    });
  });
});

describe('review', () => {
  it('decides a critical task by the majority of a three-reviewer panel', async () => {
    await withWorker(env, { tasks: { only: { verdicts: ['FAIL', 'PASS', 'PASS'] } } }, async (h) => {
      const view = await execute(h, { goal: 'g', plan: single(true) });
      assert.equal(view.status, 'succeeded');
      assert.equal(view.tasks[0]?.reviewRounds, 1);
      assert.equal(h.sim.requests().filter((r) => r.kind === 'reviewer').length, 3);
    });
  });

  it('sends a panel FAIL back with the fixes of every failing reviewer', async () => {
    const verdicts = ['FAIL', 'FAIL', 'PASS', 'PASS', 'PASS', 'PASS'] as const;
    await withWorker(env, { tasks: { only: { verdicts: [...verdicts] } } }, async (h) => {
      const view = await execute(h, { goal: 'g', plan: single(true) });
      assert.equal(view.status, 'succeeded');
      assert.equal(view.tasks[0]?.reviewRounds, 2);
      const implementer = h.sim.requests().filter((r) => r.kind === 'implementer');
      assert.match(implementer[1]!.messages[1]!.content, /2 of 3 reviewers failed the output/);
    });
  });

  it('escalates the implementer to a stronger model after a failed round', async () => {
    await withWorker(env, { tasks: { only: { verdicts: ['FAIL', 'PASS'] } } }, async (h) => {
      const view = await execute(h, {
        goal: 'g',
        plan: single(false),
        escalationModel: 'gpt-4.1',
        escalateAfterFailedRounds: 1,
        budgetCredits: 400,
      });
      assert.equal(view.status, 'succeeded');
      const models = h.sim
        .requests()
        .filter((r) => r.kind === 'implementer')
        .map((r) => r.model);
      assert.deepEqual(models, ['gpt-4.1-mini', 'gpt-4.1']);
    });
  });
});
