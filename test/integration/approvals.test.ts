/**
 * Approvals that answer, and handlers that cannot be lied to: the approveBudget/denyBudget Updates give the caller the
 * run's own answer, and forged taskFinished, creditDecision and requestCredits signals leave a run's state and spend
 * as they were, counted as refused. Also: the run's constraints reach the implementer and the reviewer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveBudget, denyBudget } from '../../src/client';
import { INVALID_INPUT } from '../../src/domain/errors';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { taskWorkflowId } from '../../src/domain/task-address';
import type { TaskProgress } from '../../src/domain/task-progress';
import {
  approveBudgetSignal,
  approveBudgetUpdate,
  creditDecisionSignal,
  pendingApprovalsQuery,
  requestCreditsSignal,
  statusQuery,
  taskFinishedSignal,
  taskProgressQuery,
} from '../../src/workflows/messages';
import { planwright } from '../helpers/cli';
import { answerOf } from '../helpers/decisions';
import { historyOf, waitFor } from '../helpers/history';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let cliEnv: NodeJS.ProcessEnv;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
  cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default' };
});
after(() => env?.teardown());

const MAX_USAGE = { usage: 'max' } as const;
const waitingRun: GoalInputJson = {
  goal: 'g',
  budgetCredits: 10,
  autoApproveCredits: 0,
  plan: { goal: 'g', tasks: [{ id: 'solo', title: 'Solo task', acceptanceCriteria: ['done'] }] },
};

async function startWaiting(h: Harness): Promise<{ runId: string; handle: WorkflowHandle }> {
  const runId = uniqueId('run');
  const handle = await h.env.client.workflow.start('goalWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: runId,
    args: [waitingRun],
  });
  await waitFor('the task to wait for approval', async () => (await handle.query(pendingApprovalsQuery))[0]);
  return { runId, handle };
}

/** The parts of a run's state that forged messages must not change. */
const stateOf = (v: RunView) => ({
  status: v.status,
  tasks: v.tasks.map((t) => [t.id, t.status, t.spentMillicredits, t.grantedMillicredits]),
  spent: v.spentMillicredits,
  pool: v.poolMillicredits,
  pending: v.pendingApprovals.map((p) => p.taskId),
  decisions: v.decisions.filter((d) => d.decision !== 'rejected').length,
});

describe('approvals answer the caller', () => {
  it('refuses an approval with an over-long note through the CLI (exit 2, the run’s reason) and records it', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { runId, handle } = await startWaiting(h);
      const refused = await planwright(
        ['approve', runId, 'solo', '--credits', '25', '--note', 'x'.repeat(3000), '--task-queue', h.taskQueue],
        cliEnv,
      );
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /the run refused the approval: invalid approveBudget payload: signal\.note/);
      assert.doesNotMatch(refused.stdout, /Approved/);
      const view: RunView = await handle.query(statusQuery);
      assert.equal(view.pendingApprovals.length, 1, 'the task still waits');
      assert.deepEqual(
        view.decisions.map((d) => d.decision),
        ['rejected'],
      );
      assert.equal(view.refused?.byName.approveBudget, 1);

      const approved = await planwright(['approve', runId, 'solo', '--credits', '25', '--by', 'ana'], cliEnv);
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, /Approved 25 credits for solo/);
      const done: RunView = await handle.result();
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(
        done.decisions.map((d) => [d.decision, d.by]),
        [
          ['rejected', 'unknown'],
          ['approved', 'ana'],
        ],
      );
    });
  });

  it("returns the run's refusal for a task that is not waiting, and its acceptance of a denial", async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { runId, handle } = await startWaiting(h);
      const notWaiting = answerOf(await approveBudget(h.env.client, runId, { taskId: 'other', credits: 5 }));
      assert.equal(notWaiting.accepted, false);
      assert.match(notWaiting.reason ?? '', /unknown task "other"/);
      const denied = answerOf(await denyBudget(h.env.client, runId, { taskId: 'solo', reason: 'too dear', by: 'bo' }));
      assert.deepEqual([denied.accepted, denied.taskId, denied.millicredits], [true, 'solo', 0]);
      const view: RunView = await handle.result();
      assert.equal(view.tasks[0]?.status, 'failed');
      assert.match(view.tasks[0]?.error ?? '', /credits denied: too dear/);
      const twice = await planwright(['deny', runId, 'solo', '--reason', 'again'], cliEnv);
      assert.equal(twice.code, 2);
      assert.match(twice.stderr, /has ended/);
    });
  });
});

describe('the credits suggested to an approver', () => {
  it("cover the task's projected remaining work: pending and approve suggest the same, and tasks ask fewer times", async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const runId = uniqueId('run');
      const tasks = ['a', 'b', 'c', 'd'].map((id) => ({ id, title: `Task ${id}`, acceptanceCriteria: ['done'] }));
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: { goal: 'g', tasks }, budgetCredits: 6, autoApproveCredits: 0, maxConcurrency: 4 }],
      });
      let approvals = 0;
      let compared = false;
      for (;;) {
        const view: RunView = await handle.query(statusQuery);
        if (!['planning', 'running'].includes(view.status)) break;
        const waiting = view.pendingApprovals[0];
        if (!waiting) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (!compared) {
          // `pending` shows the suggestion and how it was made; `approve` without --credits grants exactly it.
          const pending = await planwright(['pending'], cliEnv);
          const shown = new RegExp(`${runId}  ${waiting.taskId} .*\\n    suggest --credits (\\d+): (.+)`).exec(
            pending.stdout,
          );
          assert.ok(shown, pending.stdout);
          const approved = await planwright(['approve', runId, waiting.taskId, '--by', 'ana'], cliEnv);
          assert.equal(approved.code, 0, approved.stderr);
          assert.match(approved.stdout, new RegExp(`Suggesting ${shown[1]} credits: `));
          assert.match(approved.stdout, new RegExp(`Approved ${shown[1]} credits for ${waiting.taskId}`));
          compared = true;
        } else {
          const approved = await planwright(['approve', runId, waiting.taskId, '--by', 'ana'], cliEnv);
          assert.equal(approved.code, 0, approved.stderr);
        }
        approvals++;
      }
      const done: RunView = await handle.result();
      assert.equal(done.status, 'succeeded');
      // Approving exactly each shortfall needed 8 approvals for these four tasks (two each); the projection, one each.
      const granted = done.decisions.map((d) => [d.taskId, d.millicredits]);
      assert.equal(approvals, tasks.length, JSON.stringify(granted));
    });
  });
});

describe("a run's approver list", () => {
  it('refuses approvals from people not on the list or over their cap, records them, and takes an allowed one', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const runId = uniqueId('run');
      const handle = await h.env.client.workflow.start('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: runId,
        args: [{ ...waitingRun, approvers: [{ approver: 'ana', maxCredits: 20 }, { approver: 'group:finance' }] }],
      });
      await waitFor('the task to wait for approval', async () => (await handle.query(pendingApprovalsQuery))[0]);
      const stranger = answerOf(
        await approveBudget(h.env.client, runId, { taskId: 'solo', credits: 25, by: 'mallory' }),
      );
      assert.deepEqual(
        [stranger.accepted, stranger.reason],
        [false, `"mallory" is not on this run's approver list (ana, group:finance)`],
      );
      const overCap = answerOf(await approveBudget(h.env.client, runId, { taskId: 'solo', credits: 25, by: 'ana' }));
      assert.match(overCap.reason ?? '', /"ana" may approve at most 20 credits at once, not 25/);
      const member = answerOf(
        await approveBudget(h.env.client, runId, {
          taskId: 'solo',
          credits: 25,
          by: 'cy',
          groups: ['finance'],
        }),
      );
      assert.equal(member.accepted, true);
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.by, d.millicredits]),
        [
          ['rejected', 'mallory', 0],
          ['rejected', 'ana', 0],
          ['approved', 'cy', 25_000],
        ],
      );
    });
  });
});

describe('decisions under an id the client chose', () => {
  it('goes as a durable signal when no worker answers the Update, and a worker started later applies it once', async () => {
    let runId = '';
    let taskQueue = '';
    await withWorker(env, MAX_USAGE, async (h) => {
      runId = (await startWaiting(h)).runId;
      taskQueue = h.taskQueue;
    });
    // The worker has stopped: nothing can answer the Update, which the server would lose on a restart.
    const started = Date.now();
    const sent = await planwright(['approve', runId, 'solo', '--credits', '25', '--by', 'ana'], cliEnv);
    assert.equal(sent.code, 0, sent.stderr);
    assert.ok(Date.now() - started < 20_000, 'bounded');
    const decisionId = /went as a signal \(decision ([0-9a-f-]{36})\)/.exec(sent.stdout)?.[1];
    assert.ok(decisionId, sent.stdout);
    // The signal is in the run's history before any worker runs: durable, unlike an Update nobody accepted.
    const signals = (await historyOf(env.client, runId)).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'approveBudget',
    );
    assert.equal(signals.length, 1);
    await withWorker(
      env,
      MAX_USAGE,
      async () => {
        const view: RunView = await env.client.workflow.getHandle(runId).result();
        assert.equal(view.status, 'succeeded');
        // Applied once, whether or not the server also delivered the Update it admitted (then a duplicate).
        assert.deepEqual(
          view.decisions
            .filter((d) => d.decision !== 'duplicate')
            .map((d) => [d.decision, d.millicredits, d.decisionId]),
          [['approved', 25_000, decisionId]],
        );
        assert.equal(view.tasks[0]!.grantedMillicredits, 25_000);
        assert.equal(view.refused, undefined, JSON.stringify(view.refused));
      },
      { taskQueue },
    );
  });

  it('applies an id once: a repeat by signal or Update is recorded as a duplicate, not refused', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { runId, handle } = await startWaiting(h);
      const first = answerOf(
        await approveBudget(h.env.client, runId, { taskId: 'solo', credits: 25, by: 'ana', decisionId: 'd-1' }),
      );
      assert.deepEqual([first.accepted, first.duplicate, first.decisionId], [true, undefined, 'd-1']);
      await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: 25, by: 'ana', decisionId: 'd-1' });
      // A second Update under another Update id but the same decision id reaches the handler (the server itself
      // answers a repeated Update id from its own record).
      const again = await handle.executeUpdate(approveBudgetUpdate, {
        args: [{ taskId: 'solo', credits: 25, by: 'ana', decisionId: 'd-1' }],
        updateId: 'another-update-id',
      });
      assert.deepEqual(again, { accepted: true, taskId: 'solo', millicredits: 25_000, duplicate: true });
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.millicredits, d.decisionId]),
        [
          ['approved', 25_000, 'd-1'],
          ['duplicate', 0, 'd-1'],
          ['duplicate', 0, 'd-1'],
        ],
      );
      assert.match(view.decisions[1]!.note ?? '', /repeats decision d-1 \(approved at /);
      assert.equal(view.tasks[0]!.grantedMillicredits, 25_000, 'granted once');
      assert.equal(view.refused, undefined, JSON.stringify(view.refused));
    });
  });
});

describe('nobody can forge progress or money', () => {
  it('refuses a forged taskFinished for a task waiting for approval: the run does not end and nothing changes', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { runId, handle } = await startWaiting(h);
      const before = stateOf(await handle.query(statusQuery));
      await handle.signal(taskFinishedSignal, {
        taskId: 'solo',
        status: 'succeeded',
        summary: 'forged',
        reviewRounds: 1,
        modelCalls: 0,
        spentMillicredits: 0,
        grantedMillicredits: 0,
        outputRef: { kind: 'taskHistory', workflowId: taskWorkflowId(runId, 'solo') },
      });
      await handle.signal(taskFinishedSignal, { nonsense: true } as never);
      const after = await waitFor('two refusals', async () => {
        const v: RunView = await handle.query(statusQuery);
        return v.refused?.byName.taskFinished === 2 ? v : undefined;
      });
      assert.deepEqual(stateOf(after), before);
      assert.equal(
        (await h.env.client.workflow.getHandle(taskWorkflowId(runId, 'solo')).describe()).status.name,
        'RUNNING',
      );
      const answer = answerOf(await approveBudget(h.env.client, runId, { taskId: 'solo', credits: 25 }));
      assert.equal(answer.accepted, true);
      const done: RunView = await handle.result();
      assert.equal(done.status, 'succeeded');
      assert.ok(done.tasks[0]!.spentMillicredits > 0, 'the real task ran and its spend was booked');
    });
  });

  it('refuses a creditDecision sent straight to a task: no credits are minted and the task keeps waiting', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { runId, handle } = await startWaiting(h);
      const task = h.env.client.workflow.getHandle(taskWorkflowId(runId, 'solo'));
      const before: TaskProgress = await task.query(taskProgressQuery);
      await task.signal(creditDecisionSignal, { kind: 'granted', millicredits: 1_000_000 });
      await task.signal(creditDecisionSignal, { kind: 'granted', millicredits: 1_000_000, requestId: 'guess' });
      const after = await waitFor('two refusals', async () => {
        const p: TaskProgress = await task.query(taskProgressQuery);
        return p.refusedSignals === 2 ? p : undefined;
      });
      assert.equal(after.phase, 'awaiting_approval');
      assert.equal(after.availableMillicredits, before.availableMillicredits);
      assert.equal((await handle.query(pendingApprovalsQuery)).length, 1);
      await approveBudget(h.env.client, runId, { taskId: 'solo', credits: 25 });
      const done: RunView = await handle.result();
      assert.equal(done.status, 'succeeded');
      assert.equal(done.tasks[0]!.grantedMillicredits, 25_000, 'only the approved credits were granted');
    });
  });

  it('refuses requestCredits for tasks that are not running and malformed ones, leaving the pool as it was', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const { handle } = await startWaiting(h);
      const before = stateOf(await handle.query(statusQuery));
      await handle.signal(requestCreditsSignal, { taskId: 'solo', shortfallMillicredits: 5 });
      await handle.signal(requestCreditsSignal, { taskId: 'ghost', shortfallMillicredits: 5 });
      await handle.signal(requestCreditsSignal, { taskId: 'solo', shortfallMillicredits: -3 } as never);
      const after = await waitFor('three refusals', async () => {
        const v: RunView = await handle.query(statusQuery);
        return v.refused?.byName.requestCredits === 3 ? v : undefined;
      });
      assert.deepEqual(stateOf(after), before);
      assert.equal(after.refused?.recent.length, 3);
      assert.match(after.refused?.recent[1]?.reason ?? '', /unknown task "ghost"/);
    });
  });
});

describe('run ids', () => {
  it('fails a run started raw with an id that cannot be a run’s (it would collide with task ids), naming why', async () => {
    await withWorker(env, {}, async (h) => {
      const error = await h.env.client.workflow
        .execute('goalWorkflow', { taskQueue: h.taskQueue, workflowId: `${uniqueId('run')}/x`, args: [waitingRun] })
        .then(() => undefined)
        .catch((err: unknown) => err);
      assert.ok(error instanceof WorkflowFailedError, String(error));
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, INVALID_INPUT);
      assert.match(error.cause.message, /invalid run id ".*\/x": a run id cannot contain "\/"/);
      assert.equal(h.sim.requests().length, 0, 'nothing ran');
    });
  });
});

describe('constraints', () => {
  it('reach the implementer and the reviewer, not only the planner', async () => {
    await withWorker(env, {}, async (h) => {
      const view: RunView = await h.env.client.workflow.execute('goalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: uniqueId('run'),
        args: [{ ...waitingRun, budgetCredits: 100, constraints: ['Use only the standard library', 'No network'] }],
      });
      assert.equal(view.status, 'succeeded');
      for (const kind of ['implementer', 'reviewer']) {
        const request = h.sim.requests().find((r) => r.kind === kind);
        const prompt = request?.messages.map((m) => m.content).join('\n') ?? '';
        assert.match(prompt, /# Constraints\n- Use only the standard library\n- No network/, `${kind} prompt`);
      }
    });
  });
});
