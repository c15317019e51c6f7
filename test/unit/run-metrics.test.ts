import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskView } from '../../src/domain/run';
import { runMetrics } from '../../src/domain/run-metrics';
import { secondsAfterStart, taskView } from '../helpers/views';

const at = secondsAfterStart;
const task = (id: string, agentType: string, status: TaskView['status'], extra: Partial<TaskView> = {}) =>
  taskView(id, status, { agentType, ...extra });

describe('run metrics', () => {
  it('counts outcomes, averages rounds, calls and credits over ended tasks, and paces them per hour', () => {
    const m = runMetrics([
      task('a', 'code', 'succeeded', {
        startedAt: at(0),
        finishedAt: at(60),
        reviewRounds: 1,
        modelCalls: 2,
        spentMillicredits: 1000,
      }),
      task('b', 'code', 'succeeded', {
        startedAt: at(30),
        finishedAt: at(210),
        reviewRounds: 3,
        modelCalls: 7,
        spentMillicredits: 5000,
      }),
      task('c', 'docs', 'failed', {
        startedAt: at(60),
        finishedAt: at(120),
        reviewRounds: 2,
        modelCalls: 4,
        spentMillicredits: 3000,
        error: 'review failed',
      }),
      task('d', 'docs', 'skipped', { error: 'dependency c failed' }),
      task('e', 'test', 'running', { startedAt: at(100), spentMillicredits: 0 }),
      task('f', 'test', 'pending'),
    ]);
    assert.equal(m.ended, 3);
    assert.equal(m.succeeded, 2);
    assert.equal(m.failed, 1);
    assert.equal(m.skipped, 1);
    assert.equal(m.meanReviewRounds, 2);
    assert.equal(m.meanModelCalls, 4.33);
    assert.equal(m.meanSpentMillicredits, 3000);
    assert.equal(m.maxSpentMillicredits, 5000);
    // 3 tasks ended between the first start (0 s) and the last end (210 s).
    assert.equal(m.tasksPerHour, 51.43);
    assert.deepEqual(
      m.byAgentType.map((a) => [a.agentType, a.ended, a.succeeded, a.meanDurationMs, a.maxDurationMs]),
      [
        ['code', 2, 2, 120_000, 180_000],
        ['docs', 1, 0, 60_000, 60_000],
      ],
    );
    assert.deepEqual(
      m.byAgentType.map((a) => [a.meanSpentMillicredits, a.meanReviewRounds, a.meanModelCalls]),
      [
        [3000, 2, 4.5],
        [3000, 2, 4],
      ],
    );
  });

  it('is all zeros and has no pace before a task ended', () => {
    const m = runMetrics([task('a', 'code', 'running', { startedAt: at(0) }), task('b', 'code', 'pending')]);
    assert.deepEqual(m, {
      ended: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      meanReviewRounds: 0,
      meanModelCalls: 0,
      meanSpentMillicredits: 0,
      maxSpentMillicredits: 0,
      byAgentType: [],
    });
  });

  it('covers every task of a run too large to list them all', () => {
    const tasks = Array.from({ length: 5000 }, (_, i) =>
      task(`t${i}`, i % 2 ? 'code' : 'test', 'succeeded', {
        startedAt: at(i),
        finishedAt: at(i + 2),
        reviewRounds: 1,
        modelCalls: 2,
        spentMillicredits: 700,
      }),
    );
    const m = runMetrics(tasks);
    assert.equal(m.ended, 5000);
    assert.deepEqual(
      m.byAgentType.map((a) => [a.agentType, a.ended]),
      [
        ['code', 2500],
        ['test', 2500],
      ],
    );
  });
});
