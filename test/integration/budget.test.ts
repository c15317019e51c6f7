/** Credits on a real Temporal server: reservation before every call, pauses, approvals, denials and timeouts. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PlanInput } from '../../src/domain/plan';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { PENDING_APPROVALS_ATTRIBUTE, RUN_STATUS_ATTRIBUTE } from '../../src/domain/search-attributes';
import { taskWorkflowId } from '../../src/domain/task-address';
import { decodePayload } from '../../src/infra/data-converter';
import { startSimulator } from '../../src/simulator/server';
import {
  approveBudgetSignal,
  denyBudgetSignal,
  pendingApprovalsQuery,
  statusQuery,
} from '../../src/workflows/messages';
import { waitFor } from '../helpers/history';
import { diamondPlan } from '../helpers/plans';
import { createTestEnvironment, productionBundle, uniqueId, withWorker, type Harness } from '../helpers/temporal';
import { spawnWorker } from '../helpers/worker-process';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await createTestEnvironment();
  await productionBundle();
});
after(() => env?.teardown());

/** Every output uses all of max_tokens: each call costs about its reservation (~9 credits at the defaults). */
const MAX_USAGE = { usage: 'max' } as const;
const onePlan = (id = 'solo'): PlanInput => ({
  goal: 'g',
  tasks: [{ id, title: 'Solo task', acceptanceCriteria: ['done'] }],
});

function start(h: Harness, input: GoalInputJson, workflowId = uniqueId('run')): Promise<WorkflowHandle> {
  return h.env.client.workflow.start('goalWorkflow', { taskQueue: h.taskQueue, workflowId, args: [input] });
}

const waitForPending = (handle: WorkflowHandle, taskId: string) =>
  waitFor(`task ${taskId} to wait for approval`, async () => {
    const pending = await handle.query(pendingApprovalsQuery);
    return pending.find((p) => p.taskId === taskId);
  });

/** A real worker process, as `planwright worker` runs it, so that a test can kill it outright. */
function assertNeverOverspent(view: RunView): void {
  for (const t of view.tasks) {
    assert.ok(
      t.spentMillicredits <= t.allocatedMillicredits + t.grantedMillicredits,
      `task ${t.id} spent ${t.spentMillicredits} of ${t.allocatedMillicredits} + ${t.grantedMillicredits}`,
    );
  }
  assert.ok(view.spentMillicredits <= view.budgetMillicredits + view.approvedExtraMillicredits, 'run overspent');
}

describe('credit budgets on a real Temporal server', () => {
  it('pauses a task that cannot afford its next call, makes no call, and resumes it when a person approves by signal', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const handle = await start(h, { goal: 'g', plan: onePlan(), budgetCredits: 10, autoApproveCredits: 0 });
      const pending = await waitForPending(handle, 'solo');
      assert.ok(pending.shortfallMillicredits > 0);
      assert.equal(h.sim.requests().filter((r) => r.task === 'solo').length, 0, 'no model call before approval');
      const view = await handle.query(statusQuery);
      assert.equal(view.tasks[0]?.status, 'awaiting_approval');
      const attrs = await waitFor('search attributes to show the wait', async () => {
        const d = await handle.describe();
        return d.typedSearchAttributes.get(RUN_STATUS_ATTRIBUTE) === 'awaiting_approval'
          ? d.typedSearchAttributes
          : undefined;
      });
      assert.equal(attrs.get(PENDING_APPROVALS_ATTRIBUTE), 1);

      await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: 25, by: 'ana', note: 'needed for the demo' });
      const final: RunView = await handle.result();
      assert.equal(final.status, 'succeeded');
      assert.equal(final.approvedExtraMillicredits, 25_000);
      assert.deepEqual(
        final.decisions.map((d) => [d.taskId, d.decision, d.millicredits, d.by, d.note]),
        [['solo', 'approved', 25_000, 'ana', 'needed for the demo']],
      );
      assertNeverOverspent(final);
      const d = await handle.describe();
      assert.equal(d.typedSearchAttributes.get(RUN_STATUS_ATTRIBUTE), 'succeeded');
    });
  });

  it('lends a task credits from the pool at start, so a shortfall within the auto-approval limit needs no round trip', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      // One task, 15 credits allocated and 15 in the pool; a round costs about 20 at its worst case.
      const handle = await start(h, {
        goal: 'g',
        plan: onePlan(),
        budgetCredits: 30,
        reservePercent: 50,
        maxConcurrency: 1,
        autoApproveCredits: 10,
      });
      const view: RunView = await handle.result();
      assert.equal(view.status, 'succeeded');
      const events = (await handle.fetchHistory()).events ?? [];
      const requests = events.filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'requestCredits',
      );
      assert.equal(requests.length, 0, 'no credit request reached the run');
      const task = view.tasks[0]!;
      assert.equal(task.leasedMillicredits, 10_000);
      assert.ok(task.spentMillicredits > task.allocatedMillicredits, 'the task spent into its lease');
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.millicredits, d.by]),
        [['auto-approved', task.spentMillicredits - task.allocatedMillicredits, 'auto']],
      );
      assertNeverOverspent(view);
    });
  });

  it('ignores an invalid approval, changing nothing but the audit trail', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const handle = await start(h, { goal: 'g', plan: onePlan(), budgetCredits: 10, autoApproveCredits: 0 });
      await waitForPending(handle, 'solo');
      await handle.signal(approveBudgetSignal, { taskId: 'ghost', credits: 5 });
      // A malformed payload, as a plain `temporal workflow signal` could send.
      await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: 'lots' } as never);
      await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: -3 });
      const view = await waitFor('the rejections to be recorded', async () => {
        const v = await handle.query(statusQuery);
        return v.decisions.length >= 3 ? v : undefined;
      });
      assert.deepEqual(
        view.decisions.map((d) => d.decision),
        ['rejected', 'rejected', 'rejected'],
      );
      assert.match(view.decisions[0]?.note ?? '', /unknown task "ghost"/);
      assert.match(view.decisions[1]?.note ?? '', /invalid approveBudget payload: signal\.credits: /);
      assert.match(view.decisions[2]?.note ?? '', /signal\.credits: Too small/);
      assert.equal(view.tasks[0]?.status, 'awaiting_approval');
      assert.equal(view.approvedExtraMillicredits, 0);
      await handle.signal(denyBudgetSignal, { taskId: 'solo', reason: 'cleanup' });
      await handle.result();
    });
  });

  it('fails a denied task with the reason, skips its dependents, and reports the decision', async () => {
    const plan: PlanInput = {
      goal: 'g',
      tasks: [
        { id: 'first', title: 'First', acceptanceCriteria: ['ok'] },
        { id: 'second', title: 'Second', deps: ['first'], acceptanceCriteria: ['ok'] },
      ],
    };
    await withWorker(env, MAX_USAGE, async (h) => {
      const handle = await start(h, { goal: 'g', plan, budgetCredits: 12, autoApproveCredits: 0 });
      await waitForPending(handle, 'first');
      await handle.signal(denyBudgetSignal, { taskId: 'first', reason: 'too expensive for now', by: 'bo' });
      const view: RunView = await handle.result();
      assert.equal(view.status, 'failed');
      const byId = Object.fromEntries(view.tasks.map((t) => [t.id, t]));
      assert.equal(byId.first?.status, 'failed');
      assert.match(byId.first?.error ?? '', /credits denied: too expensive for now/);
      assert.equal(byId.second?.status, 'skipped');
      assert.deepEqual(
        view.decisions.map((d) => [d.taskId, d.decision, d.by, d.note]),
        [['first', 'denied', 'bo', 'too expensive for now']],
      );
    });
  });

  it('never spends more than approved when every output uses the maximum tokens, at task and run level', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const handle = await start(h, { goal: 'g', plan: diamondPlan(), budgetCredits: 40, autoApproveCredits: 3 });
      const approver = (async () => {
        for (;;) {
          const view = await handle.query(statusQuery).catch(() => undefined);
          if (!view || !['running', 'planning'].includes(view.status)) return;
          for (const p of view.pendingApprovals) {
            await handle.signal(approveBudgetSignal, { taskId: p.taskId, credits: 10, by: 'test' });
          }
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const view: RunView = await handle.result();
      await approver;
      assert.equal(view.status, 'succeeded');
      assertNeverOverspent(view);
      assert.ok(
        view.decisions.some((d) => d.decision === 'approved'),
        'some task had to pause',
      );
      const billed = h.sim.requests().filter((r) => r.completionTokens !== undefined).length;
      assert.equal(
        billed,
        view.tasks.reduce((s, t) => s + t.modelCalls, 0),
        'every request was charged',
      );
    });
  });

  it('fails a task whose approval times out, with the timeout reason', async () => {
    await withWorker(env, MAX_USAGE, async (h) => {
      const handle = await start(h, {
        goal: 'g',
        plan: onePlan(),
        budgetCredits: 10,
        autoApproveCredits: 0,
        approvalTimeoutSeconds: 2,
      });
      const view: RunView = await handle.result();
      assert.equal(view.status, 'failed');
      assert.match(view.tasks[0]?.error ?? '', /no decision on [\d.]+ more credits within 2 s/);
      assert.deepEqual(
        view.decisions.map((d) => [d.decision, d.by]),
        [['timed-out', 'timer']],
      );
      assert.deepEqual(view.pendingApprovals, []);
    });
  });

  it('charges a model call cut off by a killed worker at its reservation, and retries it with the same key', async () => {
    const taskQueue = uniqueId('tq');
    const runId = uniqueId('run');
    // The first implementer request takes long enough to be cut off.
    const sim = await startSimulator({ scenario: { latency: { implementer: { medianMs: 20_000, sigma: 0 } } } });
    const worker = spawnWorker(env.address, taskQueue, sim.url);
    try {
      await env.client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: onePlan(), budgetCredits: 100 }],
      });
      await waitFor(
        'the implementer request to be out',
        async () => sim.requests().some((r) => r.kind === 'implementer') || undefined,
        90_000,
      );
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      // The attempt is given up when its heartbeat times out (30 s); another worker (with its own simulator) retries it.
      await withWorker(
        env,
        {},
        async (h) => {
          const view: RunView = await env.client.workflow.getHandle(runId).result();
          assert.equal(view.status, 'succeeded');
          const implementer = [...sim.requests(), ...h.sim.requests()].filter((r) => r.kind === 'implementer');
          assert.equal(implementer.length, 2);
          assert.equal(implementer[0]!.idempotencyKey, implementer[1]!.idempotencyKey, 'a retry keeps its key');
          const events =
            (await env.client.workflow.getHandle(taskWorkflowId(runId, 'solo')).fetchHistory()).events ?? [];
          const result = events.find(
            (e) => e.activityTaskCompletedEventAttributes,
          )?.activityTaskCompletedEventAttributes;
          const implemented = await decodePayload<{ calls: { outcome?: string; costMillicredits: number }[] }>(
            result!.result!.payloads![0]!,
          );
          const lost = implemented.calls.filter((c) => c.outcome === 'unknown');
          assert.equal(lost.length, 1, 'the cut-off request is charged once');
          const answered = implemented.calls.filter((c) => c.outcome === undefined);
          const task = view.tasks[0]!;
          assert.ok(task.spentMillicredits >= lost[0]!.costMillicredits + answered[0]!.costMillicredits);
          assert.ok(lost[0]!.costMillicredits > answered[0]!.costMillicredits, 'charged at its worst case');
          assertNeverOverspent(view);
        },
        { taskQueue },
      );
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await sim.close();
    }
  });

  it('resumes a task after its worker process was killed (SIGKILL) while the task waited for approval', async () => {
    const taskQueue = uniqueId('tq');
    const runId = uniqueId('run');
    const sim = await startSimulator({ scenario: MAX_USAGE });
    const worker = spawnWorker(env.address, taskQueue, sim.url);
    const handle = env.client.workflow.getHandle(runId);
    try {
      await env.client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [{ goal: 'g', plan: onePlan(), budgetCredits: 10, autoApproveCredits: 0 }],
      });
      await waitFor(
        'the task to wait for approval',
        async () => {
          const pending = await handle.query(pendingApprovalsQuery);
          return pending.length > 0 || undefined;
        },
        90_000,
      );
    } finally {
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      await sim.close();
    }
    // No worker runs now. The approval is durable: it waits in the history until a worker picks it up.
    await handle.signal(approveBudgetSignal, { taskId: 'solo', credits: 25, by: 'ana' });
    await withWorker(
      env,
      MAX_USAGE,
      async () => {
        const view: RunView = await handle.result();
        assert.equal(view.status, 'succeeded');
        assert.equal(view.decisions[0]?.decision, 'approved');
      },
      { taskQueue },
    );
  });
});
