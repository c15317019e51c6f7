import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DagScheduler, type SchedulableTask } from '../../src/domain/scheduler';
import { createRandom } from '../../src/simulator/random';

function randomDag(random: () => number, n: number): SchedulableTask[] {
  return Array.from({ length: n }, (_, i) => {
    const deps = new Set<string>();
    for (let j = 0; j < i; j++) if (random() < 3 / (i + 1)) deps.add(`t${j}`);
    return { id: `t${i}`, deps: [...deps], effort: 1 + Math.floor(random() * 5) };
  });
}

/** Every transitive dependent of `id`. */
function dependentsOf(tasks: SchedulableTask[], id: string): Set<string> {
  const out = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const cur = stack.pop()!;
    for (const t of tasks) {
      if (t.deps.includes(cur) && !out.has(t.id)) {
        out.add(t.id);
        stack.push(t.id);
      }
    }
  }
  return out;
}

describe('DAG scheduler properties on random DAGs', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`keeps every invariant while running random DAG #${seed} with random completions and failures`, () => {
      const random = createRandom(seed);
      const tasks = randomDag(random, 5 + Math.floor(random() * 60));
      const cap = 1 + Math.floor(random() * 6);
      const s = new DagScheduler(tasks, cap);
      const byId = new Map(tasks.map((t) => [t.id, t]));
      const done = new Map<string, 'succeeded' | 'failed' | 'skipped'>();
      const running = new Set<string>();
      const failNow = new Set<string>();
      for (let step = 0; step < 10_000 && !s.isFinished(); step++) {
        const started = s.takeStartable();
        for (const id of started) {
          for (const dep of byId.get(id)!.deps)
            assert.equal(done.get(dep), 'succeeded', `${id} started before ${dep} succeeded`);
          running.add(id);
        }
        assert.ok(running.size <= cap, `cap ${cap} exceeded: ${running.size} running`);
        // Started in critical-path order, and nothing left ready outranks what was started.
        const prio = (id: string) => s.priority[tasks.indexOf(byId.get(id)!)]!;
        for (let i = 1; i < started.length; i++) assert.ok(prio(started[i - 1]!) >= prio(started[i]!));
        const readyLeft = tasks.filter(
          (t) => s.stateOf(t.id) === 'pending' && t.deps.every((d) => done.get(d) === 'succeeded'),
        );
        if (running.size < cap) assert.equal(readyLeft.length, 0, 'a ready task waits while a slot is free');
        if (started.length > 0) for (const r of readyLeft) assert.ok(prio(r.id) <= prio(started.at(-1)!));
        // Finish one running task at random; about one in eight fails.
        const pick = [...running][Math.floor(random() * running.size)]!;
        running.delete(pick);
        if (random() < 0.125) failNow.add(pick);
        if (failNow.has(pick)) {
          const skipped = s.fail(pick);
          done.set(pick, 'failed');
          const expected = [...dependentsOf(tasks, pick)].filter((id) => !done.has(id) && !running.has(id));
          assert.deepEqual(new Set(skipped), new Set(expected.filter((id) => s.stateOf(id) === 'skipped')));
          for (const id of skipped) done.set(id, 'skipped');
        } else {
          s.succeed(pick);
          done.set(pick, 'succeeded');
        }
      }
      assert.ok(s.isFinished());
      assert.equal(done.size, tasks.length, 'every task reached a final state');
      assert.equal(s.running, 0);
    });
  }

  it('starts the task with the longest remaining critical path first', () => {
    // a -> b -> c is a long chain (effort 3 each); x and y are short independent tasks.
    const s = new DagScheduler(
      [
        { id: 'x', deps: [], effort: 1 },
        { id: 'y', deps: [], effort: 2 },
        { id: 'a', deps: [], effort: 3 },
        { id: 'b', deps: ['a'], effort: 3 },
        { id: 'c', deps: ['b'], effort: 3 },
      ],
      1,
    );
    assert.deepEqual(s.takeStartable(), ['a']);
    assert.deepEqual(s.criticalPath(), ['a', 'b', 'c']);
  });

  it('starts a dependent the moment its last dependency succeeds, not when a batch finishes', () => {
    const s = new DagScheduler(
      [
        { id: 'fast', deps: [], effort: 1 },
        { id: 'slow', deps: [], effort: 1 },
        { id: 'next', deps: ['fast'], effort: 1 },
      ],
      2,
    );
    assert.deepEqual(new Set(s.takeStartable()), new Set(['fast', 'slow']));
    s.succeed('fast');
    assert.deepEqual(s.takeStartable(), ['next']);
  });

  it('restores the same state from a snapshot', () => {
    const tasks = randomDag(createRandom(7), 30);
    const s = new DagScheduler(tasks, 3);
    for (const id of s.takeStartable()) s.succeed(id);
    const running = s.takeStartable();
    const restored = DagScheduler.restore(tasks, 3, s.snapshot());
    assert.deepEqual(restored.snapshot(), s.snapshot());
    assert.equal(restored.running, running.length);
    assert.deepEqual(restored.takeStartable(), s.takeStartable());
  });

  it('rejects a concurrency cap below 1 with the value it got', () => {
    assert.throws(() => new DagScheduler([], 0), /maxConcurrency must be a whole number of at least 1, got 0/);
  });
});
