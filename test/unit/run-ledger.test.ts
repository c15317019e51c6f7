import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_AGENT_TYPES } from '../../src/domain/agents';
import { validatePlan } from '../../src/domain/plan-validation';
import { RunLedger } from '../../src/domain/run-ledger';
import { diamondLedger, LEDGER_AT, taskOutcome } from '../helpers/ledger';

const AT = LEDGER_AT;
const ledger = diamondLedger;
const outcome = taskOutcome;

describe('run ledger', () => {
  it('charges planning, allocates the rest, and returns unused credits to the pool', () => {
    const l = ledger();
    const allocated = [...l.tasks.values()].reduce((s, t) => s + t.allocatedMillicredits, 0);
    assert.equal(allocated + l.poolMillicredits + 2000, 100_000);
    const pool = l.poolMillicredits;
    assert.deepEqual(new Set(l.takeStartable(AT)), new Set(['a', 'e']));
    l.finishTask(outcome('a', 'succeeded', 300), AT);
    assert.equal(l.poolMillicredits, pool + l.tasks.get('a')!.allocatedMillicredits - 300);
    assert.equal(l.spentMillicredits(), 2300);
  });

  it('lends a starting task credits from the pool, books what it drew as granted, and takes the rest back', () => {
    const l = ledger({ autoApproveMillicredits: 10_000, maxConcurrency: 2 });
    const pool = l.poolMillicredits;
    l.takeStartable(AT);
    const lease = l.lendTo('a');
    assert.equal(lease, Math.min(10_000, Math.floor(pool / 2)));
    assert.equal(l.poolMillicredits, pool - lease);
    const a = l.tasks.get('a')!;
    const spent = a.allocatedMillicredits + 1234;
    l.finishTask(outcome('a', 'succeeded', spent), AT);
    assert.equal(a.grantedMillicredits, 1234, 'the drawn part of the lease is a grant');
    assert.ok(a.spentMillicredits <= a.allocatedMillicredits + a.grantedMillicredits);
    assert.equal(l.poolMillicredits, pool - 1234, 'the undrawn part went back to the pool');
    assert.deepEqual(
      l.decisions.map((d) => [d.decision, d.taskId, d.millicredits, d.by]),
      [['auto-approved', 'a', 1234, 'auto']],
    );
    const allocated = [...l.tasks.values()].reduce((sum, t) => sum + t.allocatedMillicredits, 0);
    assert.equal(allocated + l.poolMillicredits + 2000 + 1234, 100_000 + 0, 'the budget still adds up');
  });

  it('lends nothing when auto-approval is off, and a snapshot carries a lease across continue-as-new', () => {
    assert.equal(ledger({ autoApproveMillicredits: 0 }).lendTo('a'), 0);
    const l = ledger({ autoApproveMillicredits: 5000 });
    l.takeStartable(AT);
    const lease = l.lendTo('e');
    const restored = RunLedger.restore(l.options, l.snapshot(1), (id) => `run/${id}`);
    assert.equal(restored.tasks.get('e')!.leasedMillicredits, lease);
    assert.equal(restored.poolMillicredits, l.poolMillicredits);
  });

  it('skips the transitive dependents of a failed task and concludes partial', () => {
    const l = ledger();
    l.takeStartable(AT);
    l.finishTask(outcome('e', 'succeeded'), AT);
    const skipped = l.finishTask({ ...outcome('a', 'failed'), error: 'review failed' }, AT);
    assert.deepEqual(new Set(skipped), new Set(['b', 'c', 'd']));
    assert.match(l.tasks.get('d')!.error!, /dependency "a" did not succeed/);
    assert.ok(l.isFinished());
    assert.equal(l.conclude(AT, false), 'partial');
  });

  it('auto-approves a shortfall within the limit from the pool, and records it', () => {
    const l = ledger({ autoApproveMillicredits: 5000 });
    l.takeStartable(AT);
    const pool = l.poolMillicredits;
    assert.deepEqual(l.requestCredits('a', 4000, AT), { kind: 'granted', millicredits: 4000 });
    assert.equal(l.poolMillicredits, pool - 4000);
    assert.equal(l.decisions[0]?.decision, 'auto-approved');
    assert.equal(l.approvedExtraMillicredits, 0, 'pool grants are not new money');
  });

  it('tops a task up to a fresh lease when refills are on, so a task of many turns asks once per lease', () => {
    const l = ledger({ autoApproveMillicredits: 5000, maxConcurrency: 2 });
    l.takeStartable(AT);
    const pool = l.poolMillicredits;
    assert.deepEqual(l.requestCredits('a', 1000, AT, { refill: true }), { kind: 'granted', millicredits: 5000 });
    assert.equal(l.poolMillicredits, pool - 5000);
    assert.match(l.decisions[0]?.note ?? '', /shortfall of 1 within the auto-approval limit of 5 credits/);
    l.finishTask(outcome('a', 'succeeded', l.tasks.get('a')!.allocatedMillicredits + 1000), AT);
    assert.equal(l.poolMillicredits, pool - 1000, 'what the task did not use went back');
  });

  it('puts a larger shortfall to a person, and an approval adds new credits to the run', () => {
    const l = ledger({ autoApproveMillicredits: 5000 });
    l.takeStartable(AT);
    assert.deepEqual(l.requestCredits('a', 6000, AT), { kind: 'pending' });
    assert.equal(l.tasks.get('a')!.status, 'awaiting_approval');
    assert.deepEqual(l.approve({ taskId: 'a', credits: 7, by: 'ana', note: 'worth it' }, AT), {
      ok: true,
      millicredits: 7000,
    });
    assert.equal(l.tasks.get('a')!.status, 'running');
    assert.equal(l.approvedExtraMillicredits, 7000);
    assert.deepEqual(
      { by: l.decisions[0]?.by, decision: l.decisions[0]?.decision, note: l.decisions[0]?.note },
      { by: 'ana', decision: 'approved', note: 'worth it' },
    );
  });

  it('rejects approvals for unknown tasks and tasks not waiting, changing nothing but the audit trail', () => {
    const l = ledger();
    l.takeStartable(AT);
    const before = JSON.stringify([...l.tasks.values()]);
    const unknown = l.approve({ taskId: 'nope', credits: 5 }, AT);
    assert.ok(!unknown.ok && /unknown task "nope"/.test(unknown.error));
    const notWaiting = l.deny({ taskId: 'a', reason: 'no' }, AT);
    assert.ok(!notWaiting.ok && /task "a" is not waiting for approval \(it is running\)/.test(notWaiting.error));
    assert.equal(JSON.stringify([...l.tasks.values()]), before);
    assert.equal(l.approvedExtraMillicredits, 0);
    assert.deepEqual(
      l.decisions.map((d) => d.decision),
      ['rejected', 'rejected'],
    );
  });
});

describe('run ledger views of large runs', () => {
  it('lists only tasks that did not succeed above 1000 tasks, and counts the rest', () => {
    const tasks = Array.from({ length: 1001 }, (_, i) => ({ id: `t${i}`, title: 'T', acceptanceCriteria: ['ok'] }));
    const check = validatePlan({ goal: 'g', tasks }, BUILTIN_AGENT_TYPES);
    assert.ok(check.ok);
    const l = new RunLedger({
      runId: 'run',
      goal: 'g',
      budgetMillicredits: 5_000_000,
      maxConcurrency: 2000,
      reservePercent: 20,
      autoApproveMillicredits: 0,
      startedAt: AT,
    });
    l.setPlan(check.plan, 0, (id) => `run/${id}`);
    l.takeStartable(AT);
    for (let i = 0; i < 1000; i++) l.finishTask(outcome(`t${i}`, 'succeeded'), AT);
    l.finishTask({ ...outcome('t1000', 'failed'), error: 'boom' }, AT);
    const view = l.toView();
    assert.deepEqual(
      view.tasks.map((t) => t.id),
      ['t1000'],
    );
    assert.equal(view.omittedSucceededTasks, 1000);
    assert.equal(view.omittedPendingTasks, undefined);
    // The metrics still cover the tasks the list leaves out.
    assert.deepEqual([view.metrics.ended, view.metrics.succeeded, view.metrics.failed], [1001, 1000, 1]);
    assert.ok(JSON.stringify(view).length < 10_000);
  });

  it('leaves the tasks not started yet out of the view of a large run, and counts them', () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => ({
      id: `t${i}`,
      title: `A task title of the usual length, number ${i}`,
      acceptanceCriteria: ['ok'],
      ...(i > 0 ? { deps: [`t${i - 1}`] } : {}),
    }));
    const check = validatePlan({ goal: 'g', tasks }, BUILTIN_AGENT_TYPES);
    assert.ok(check.ok);
    const l = new RunLedger({
      runId: 'run',
      goal: 'g',
      budgetMillicredits: 50_000_000,
      maxConcurrency: 4,
      reservePercent: 20,
      autoApproveMillicredits: 0,
      startedAt: AT,
    });
    l.setPlan(check.plan, 0, (id) => `run/${id}`);
    l.takeStartable(AT);
    const view = l.toView();
    assert.deepEqual(
      view.tasks.map((t) => [t.id, t.status]),
      [['t0', 'running']],
    );
    assert.equal(view.omittedPendingTasks, 4999);
    assert.equal(view.counts.pending, 4999);
    assert.ok(JSON.stringify(view).length < 10_000);
  });

  it('round-trips through a continue-as-new snapshot', () => {
    const l = ledger({ autoApproveMillicredits: 0 });
    l.takeStartable(AT);
    l.finishTask(outcome('a', 'succeeded', 700), AT);
    l.requestCredits('e', 5000, AT);
    const restored = RunLedger.restore(l.options, JSON.parse(JSON.stringify(l.snapshot(1))), (id) => `run/${id}`);
    assert.deepEqual(restored.toView(), l.toView());
    assert.deepEqual(restored.takeStartable(AT), l.takeStartable(AT));
  });
});
