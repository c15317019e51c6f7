import type { PlanInput } from '../../src/domain/plan';
import { createRandom } from '../../src/simulator/random';

/**
 * A reproducible random DAG: tasks in plan order, each depending on up to `maxDeps` earlier tasks within a window
 * behind it, which gives long chains and wide layers alike.
 */
export function randomPlan(
  count: number,
  seed: number,
  options: { maxDeps?: number; window?: number } = {},
): PlanInput {
  const random = createRandom(seed);
  const maxDeps = options.maxDeps ?? 2;
  const window = options.window ?? 12;
  const tasks = Array.from({ length: count }, (_, i) => {
    const deps = new Set<string>();
    const wanted = i === 0 ? 0 : Math.floor(random() * (maxDeps + 1));
    for (let k = 0; k < wanted; k++) deps.add(`t${Math.max(0, i - 1 - Math.floor(random() * Math.min(i, window)))}`);
    return {
      id: `t${i}`,
      title: `Step ${i}`,
      deps: [...deps],
      effort: 1 + Math.floor(random() * 5),
      acceptanceCriteria: ['done'],
    };
  });
  return { goal: `A synthetic DAG of ${count} tasks`, tasks };
}
