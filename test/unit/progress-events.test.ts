import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressEvent, ProgressTracker } from '../../src/domain/progress-events';
import type { RunView, TaskView } from '../../src/domain/run';
import { runMetrics } from '../../src/domain/run-metrics';
import { secondsAfterStart, taskView } from '../helpers/views';

const at = secondsAfterStart;
const task = taskView;

function view(status: RunView['status'], tasks: TaskView[], extra: Partial<RunView> = {}): RunView {
  return {
    runId: 'run',
    goal: 'g',
    status,
    budgetMillicredits: 100_000,
    approvedExtraMillicredits: 0,
    poolMillicredits: 20_000,
    spentMillicredits: 1234,
    counts: {},
    tasks,
    pendingApprovals: [],
    decisions: [],
    metrics: runMetrics(tasks),
    startedAt: at(0),
    ...extra,
  };
}

const kinds = (events: ProgressEvent[]) => events.map((e) => `${e.type}${e.taskId ? ` ${e.taskId}` : ''}`);

describe('progress events', () => {
  it('reports each start, end, wait and decision once, with the workflow times, between a run.started and a run.ended', () => {
    const tracker = new ProgressTracker('run');
    const first = tracker.next(
      view('running', [task('a', 'running', { startedAt: at(1) }), task('b', 'pending')]),
      at(2),
    );
    assert.deepEqual(kinds(first), ['run.started', 'task.started a']);
    assert.equal(first[1]!.at, at(1));
    assert.deepEqual(tracker.next(view('running', [task('a', 'running', { startedAt: at(1) })]), at(3)), []);

    const waiting = view('running', [task('a', 'awaiting_approval', { startedAt: at(1) }), task('b', 'pending')], {
      pendingApprovals: [{ taskId: 'a', shortfallMillicredits: 800, since: at(4) }],
    });
    const wait = tracker.next(waiting, at(5));
    assert.deepEqual(kinds(wait), ['task.awaiting_approval a']);
    assert.equal(wait[0]!.shortfallMillicredits, 800);
    assert.deepEqual(tracker.next(waiting, at(6)), [], 'the same wait is reported once');

    const ended = view(
      'partial',
      [
        task('a', 'succeeded', {
          startedAt: at(1),
          finishedAt: at(9),
          reviewRounds: 2,
          modelCalls: 4,
          spentMillicredits: 1200,
        }),
        task('b', 'skipped', { error: 'dependency a failed' }),
      ],
      {
        decisions: [{ taskId: 'a', decision: 'approved', millicredits: 2000, by: 'alice', at: at(7) }],
        finishedAt: at(10),
      },
    );
    const last = tracker.next(ended, at(12));
    // b was skipped without a time of its own: it is placed at the moment the follower saw it, after a's end.
    assert.deepEqual(kinds(last), ['budget.decision a', 'task.ended a', 'task.ended b', 'run.ended']);
    assert.deepEqual(
      last.map((e) => e.at),
      [at(7), at(9), at(12), at(10)],
    );
    assert.deepEqual(
      { ...last[1], at: undefined },
      {
        runId: 'run',
        taskId: 'a',
        agentType: 'code',
        at: undefined,
        type: 'task.ended',
        status: 'succeeded',
        reviewRounds: 2,
        modelCalls: 4,
        spentMillicredits: 1200,
      },
    );
    assert.equal(last[2]!.reason, 'dependency a failed');
    assert.deepEqual([last[3]!.status, last[3]!.runSpentMillicredits], ['partial', 1234]);
    assert.deepEqual(tracker.next(ended, at(13)), [], 'nothing after the end');
    for (const e of [...first, ...wait, ...last]) ProgressEvent.parse(e);
  });

  it('tells the whole story of a run that ended before the follower first looked, in time order', () => {
    const events = new ProgressTracker('run').next(
      view(
        'succeeded',
        [
          task('b', 'succeeded', { startedAt: at(3), finishedAt: at(5) }),
          task('a', 'succeeded', { startedAt: at(1), finishedAt: at(2) }),
        ],
        { finishedAt: at(6) },
      ),
      at(60),
    );
    assert.deepEqual(kinds(events), [
      'run.started',
      'task.started a',
      'task.ended a',
      'task.started b',
      'task.ended b',
      'run.ended',
    ]);
  });

  it('reports a second wait of the same task, after it was approved once', () => {
    const tracker = new ProgressTracker('run');
    const running = task('a', 'running', { startedAt: at(1) });
    const waitAt = (s: number) =>
      view('running', [{ ...running, status: 'awaiting_approval' }], {
        pendingApprovals: [{ taskId: 'a', shortfallMillicredits: 100, since: at(s) }],
      });
    tracker.next(waitAt(2), at(2));
    tracker.next(view('running', [running]), at(3));
    assert.deepEqual(kinds(tracker.next(waitAt(4), at(4))), ['task.awaiting_approval a']);
  });
});
