/** Unit tests of the critical path: the longest dependency chain by effort. No server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { criticalPath, type PathTask } from '../../src/domain/critical-path';
import { randomPlan } from '../helpers/dags';

const task = (id: string, effort: number, deps: string[] = []): PathTask => ({ id, effort, deps });

/** The longest chain's effort by brute force over every path: the reference for random plans. */
function longestByBruteForce(tasks: PathTask[]): number {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const longest = (id: string): number => {
    const t = byId.get(id)!;
    if (!memo.has(id)) memo.set(id, t.effort + Math.max(0, ...t.deps.map(longest)));
    return memo.get(id)!;
  };
  return Math.max(0, ...tasks.map((t) => longest(t.id)));
}

function effortOf(tasks: PathTask[], path: string[]): number {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return path.reduce((n, id) => n + byId.get(id)!.effort, 0);
}

describe('criticalPath', () => {
  it('follows the chain with the most effort, not the one with the most tasks', () => {
    const tasks = [
      task('a', 1),
      task('b', 1, ['a']),
      task('c', 1, ['b']),
      task('big', 5),
      task('end', 1, ['c', 'big']),
    ];
    assert.deepEqual(criticalPath(tasks), ['big', 'end']);
  });

  it('returns the chain first to last through a diamond', () => {
    const tasks = [task('a', 2), task('b', 3, ['a']), task('c', 1, ['a']), task('d', 2, ['b', 'c']), task('e', 2)];
    assert.deepEqual(criticalPath(tasks), ['a', 'b', 'd']);
  });

  it('breaks ties by plan order, the same way every time', () => {
    const tasks = [task('x', 2), task('y', 2), task('z', 1, ['y', 'x'])];
    assert.deepEqual(criticalPath(tasks), ['x', 'z']);
    assert.deepEqual(criticalPath([task('p', 3), task('q', 3)]), ['p']);
  });

  it('reads plans whose tasks are not in dependency order', () => {
    const tasks = [task('last', 1, ['mid']), task('mid', 1, ['first']), task('first', 1)];
    assert.deepEqual(criticalPath(tasks), ['first', 'mid', 'last']);
  });

  it('is empty for an empty plan, and ignores deps that name no task and cycles instead of looping', () => {
    assert.deepEqual(criticalPath([]), []);
    assert.deepEqual(criticalPath([task('a', 1, ['ghost'])]), ['a']);
    const cyclic = [task('a', 1, ['b']), task('b', 1, ['a']), task('free', 1)];
    assert.deepEqual(criticalPath(cyclic), ['free']);
  });

  it('finds a chain of maximal effort in random plans, each step a dependency of the next', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const tasks = randomPlan(60, seed, { maxDeps: 3 }).tasks.map((t) => task(t.id, t.effort ?? 2, t.deps ?? []));
      const path = criticalPath(tasks);
      assert.equal(effortOf(tasks, path), longestByBruteForce(tasks), `seed ${seed}`);
      const byId = new Map(tasks.map((t) => [t.id, t]));
      for (let i = 1; i < path.length; i++) assert.ok(byId.get(path[i]!)!.deps.includes(path[i - 1]!), `seed ${seed}`);
      assert.equal(byId.get(path[0]!)!.deps.length, 0, `seed ${seed}: the chain starts at a task without deps`);
    }
  });

  it('handles 5,000 tasks with long chains in linear time', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => task(`t${i}`, 1, i === 0 ? [] : [`t${i - 1}`]));
    const started = performance.now();
    assert.equal(criticalPath(chain).length, 5000);
    const wide = randomPlan(5000, 7, { maxDeps: 50, window: 200 }).tasks.map((t) =>
      task(t.id, t.effort ?? 2, t.deps ?? []),
    );
    assert.ok(criticalPath(wide).length > 0);
    assert.ok(performance.now() - started < 500, 'well under a second');
  });
});
