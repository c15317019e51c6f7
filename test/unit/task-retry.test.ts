import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskOutcome } from '../../src/domain/run';
import { RunLedger } from '../../src/domain/run-ledger';
import { RetryTasks, retryScope } from '../../src/domain/task-failures';
import { finishRun, retryTasks, shouldHold, startHolding } from '../../src/domain/task-retry';
import { diamondLedger, LEDGER_AT, taskOutcome } from '../helpers/ledger';

const AT = LEDGER_AT;

/** The diamond plan's ledger under onTaskFailure "hold". */
const holdingLedger = (approvers?: { approver: string; maxCredits?: number }[]) =>
  diamondLedger({ onTaskFailure: 'hold', ...(approvers ? { approvers } : {}) });

/** A failed outcome carries why. */
const outcome = (taskId: string, status: TaskOutcome['status'], spent = 500): TaskOutcome => ({
  ...taskOutcome(taskId, status, spent),
  ...(status === 'failed' ? { error: `${taskId} broke` } : {}),
});

const retry = (raw: unknown) => RetryTasks.parse(raw);
const tasks = (spec: [string, string[], string][]) => spec.map(([id, deps, status]) => ({ id, deps, status }));

describe('retry scope', () => {
  it('resets a failed task with every dependent skipped because of it, in plan order', () => {
    const scope = retryScope(
      tasks([
        ['a', [], 'failed'],
        ['b', ['a'], 'skipped'],
        ['c', ['b'], 'skipped'],
        ['x', [], 'succeeded'],
      ]),
      { taskIds: ['a'], allFailed: false },
    );
    assert.deepEqual(scope, { ok: true, taskIds: ['a', 'b', 'c'] });
  });

  it('takes a skipped task to mean the failures it waited for, and leaves a dependent blocked by another failure', () => {
    const plan = tasks([
      ['a', [], 'failed'],
      ['z', [], 'failed'],
      ['b', ['a'], 'skipped'],
      ['d', ['b', 'z'], 'skipped'],
    ]);
    assert.deepEqual(retryScope(plan, { taskIds: ['b'], allFailed: false }), { ok: true, taskIds: ['a', 'b'] });
    assert.deepEqual(retryScope(plan, { taskIds: [], allFailed: true }), { ok: true, taskIds: ['a', 'z', 'b', 'd'] });
  });

  it('refuses what did not fail, unknown tasks, and a run with no failure, naming each', () => {
    const plan = tasks([
      ['a', [], 'succeeded'],
      ['b', ['a'], 'running'],
    ]);
    const refusal = (taskIds: string[], allFailed = false) => {
      const r = retryScope(plan, { taskIds, allFailed });
      return r.ok ? '' : r.error;
    };
    assert.match(refusal(['a']), /task "a" is succeeded: only a failed task/);
    assert.match(refusal(['b']), /task "b" is running/);
    assert.match(refusal(['nope']), /unknown task "nope"; tasks of this run: a, b/);
    assert.match(refusal([], true), /no task of this run has failed/);
  });

  it('refuses a retry message that names nothing', () => {
    assert.throws(() => retry({ by: 'ana' }), /name the tasks to retry, or set allFailed/);
  });
});

describe('retrying in the run ledger', () => {
  it('holds only with a failure and the hold policy; a retry starts a new attempt that keeps the old one', () => {
    const l = holdingLedger();
    assert.deepEqual(l.takeStartable(AT), ['a', 'e']);
    l.finishTask(outcome('e', 'succeeded'), AT);
    assert.equal(shouldHold(l), false, 'nothing failed');
    l.finishTask(outcome('a', 'failed', 1500), AT);
    assert.ok(l.isFinished());
    assert.ok(shouldHold(l));
    const hold = startHolding(l, AT);
    assert.equal(l.status, 'holding');
    assert.equal(hold.until, '2026-11-28T00:00:00.000Z', 'seven days by default');
    const poolBefore = l.poolMillicredits;
    const spentBefore = l.spentMillicredits();
    const answer = retryTasks(l, retry({ taskIds: ['a'], feedback: 'try harder', by: 'ana' }), AT);
    assert.deepEqual(answer, { accepted: true, taskIds: ['a', 'b', 'c', 'd'] });
    assert.equal(l.status, 'running');
    const a = l.tasks.get('a')!;
    assert.deepEqual(
      [a.status, a.attempt, a.spentMillicredits, a.attempts?.[0]?.spentMillicredits],
      ['pending', 2, 0, 1500],
    );
    assert.deepEqual(a.retry, { attempt: 2, feedback: { by: 'ana', text: 'try harder' }, previousFailure: 'a broke' });
    // The new attempt drew its allocation from the pool; the first attempt's spend stays the run's.
    assert.equal(l.poolMillicredits, poolBefore - a.allocatedMillicredits);
    assert.equal(l.spentMillicredits(), spentBefore);
    assert.deepEqual(l.takeStartable(AT), ['a']);
    l.finishTask(outcome('a', 'succeeded', 700), AT);
    assert.equal(l.spentMillicredits(), spentBefore + 700);
    assert.deepEqual(l.takeStartable(AT).sort(), ['b', 'c']);
  });

  it('refuses a retry while planning, under stop, and with credits beyond the approver cap; finish only while holding', () => {
    const l = holdingLedger([{ approver: 'ana', maxCredits: 10 }]);
    l.takeStartable(AT);
    l.finishTask(outcome('a', 'failed'), AT);
    assert.match(retryTasks(l, retry({ taskIds: ['a'], credits: 11, by: 'ana' }), AT).reason!, /at most 10 credits/);
    assert.match(
      retryTasks(l, retry({ taskIds: ['a'], by: 'bob' }), AT).reason!,
      /"bob" is not on this run's approver list/,
    );
    assert.match(finishRun(l, { by: 'ana' }, AT).reason!, /not holding/);
    startHolding(l, AT);
    assert.equal(finishRun(l, { by: 'ana' }, AT).accepted, true);
    assert.match(retryTasks(l, retry({ taskIds: ['a'], by: 'ana' }), AT).reason!, /finishing with what it has/);
    assert.equal(shouldHold(l), false);
    assert.deepEqual(
      l.holdDecisions.map((d) => d.decision),
      ['refused', 'refused', 'refused', 'finish', 'refused'],
    );
    assert.equal(l.refused.count, 4);
  });
});

describe('a retried run across continue-as-new', () => {
  it('carries attempts, the retry directive, the execution run id and the decisions in its snapshot', () => {
    const l = holdingLedger();
    l.takeStartable(AT);
    l.finishTask(outcome('a', 'failed', 1500), AT);
    retryTasks(l, retry({ taskIds: ['a'], feedback: 'again', rounds: 2, by: 'ana', decisionId: 'd1' }), AT);
    l.takeStartable(AT);
    l.tasks.get('a')!.executionRunId = 'exec-2';
    const restored = RunLedger.restore(l.options, l.snapshot(1), (id) => `run/${id}`);
    const a = restored.tasks.get('a')!;
    assert.deepEqual(
      [a.status, a.attempt, a.attempts?.length, a.retry?.rounds, a.executionRunId],
      ['running', 2, 1, 2, 'exec-2'],
    );
    assert.deepEqual(restored.holdDecisions, l.holdDecisions);
    assert.equal(restored.spentMillicredits(), l.spentMillicredits());
    assert.equal(restored.finishRequested, false);
  });
});
