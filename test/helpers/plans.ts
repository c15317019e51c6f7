import type { PlanInput } from '../../src/domain/plan';

/** A diamond with an independent branch: a -> (b, c) -> d, and e alone. */
export function diamondPlan(goal = 'Ship a tiny feature'): PlanInput {
  const task = (id: string, deps: string[], agentType = 'general') => ({
    id,
    title: `Task ${id}`,
    description: `Do ${id}`,
    deps,
    agentType,
    effort: 2,
    acceptanceCriteria: [`${id} is done`],
  });
  return {
    goal,
    tasks: [
      task('a', []),
      task('b', ['a'], 'code'),
      task('c', ['a'], 'test'),
      task('d', ['b', 'c'], 'docs'),
      task('e', []),
    ],
  };
}
