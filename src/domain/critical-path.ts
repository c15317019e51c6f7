/** What the critical path needs of a task: its id, its effort and the ids it waits on. */
export interface PathTask {
  id: string;
  effort: number;
  deps: readonly string[];
}

/**
 * The longest dependency chain of a plan by effort (the sum of `effort` along it), as task ids first to last. Ties go
 * to the task earliest in plan order, both for the chain's end and for each step back, so the answer is stable.
 * O(tasks + deps): one topological pass (Kahn's, seeded in plan order) and one walk back. Deps that name no task are
 * ignored, and tasks on a cycle (a plan that was not validated) are left out rather than looping.
 */
export function criticalPath(tasks: readonly PathTask[]): string[] {
  const indexOf = new Map<string, number>();
  tasks.forEach((t, i) => indexOf.set(t.id, i));
  const dependents: number[][] = tasks.map(() => []);
  const waiting = new Array<number>(tasks.length).fill(0);
  for (const [i, task] of tasks.entries()) {
    for (const dep of new Set(task.deps)) {
      const d = indexOf.get(dep);
      if (d === undefined || d === i) continue;
      dependents[d]!.push(i);
      waiting[i]!++;
    }
  }
  // length[i]: effort of the longest chain ending at task i; previous[i]: the task before it on that chain.
  const length = new Array<number>(tasks.length).fill(0);
  const previous = new Array<number>(tasks.length).fill(-1);
  const queue: number[] = [];
  for (let i = 0; i < tasks.length; i++) if (waiting[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    length[i]! += tasks[i]!.effort;
    for (const j of dependents[i]!) {
      // Strictly longer wins; on a tie the dependency earlier in plan order wins.
      if (length[i]! > length[j]! || (length[i] === length[j] && (previous[j] === -1 || i < previous[j]!))) {
        length[j] = length[i]!;
        previous[j] = i;
      }
      if (--waiting[j]! === 0) queue.push(j);
    }
  }
  let end = -1;
  for (const i of queue) if (end === -1 || length[i]! > length[end]! || (length[i] === length[end] && i < end)) end = i;
  const path: string[] = [];
  for (let i = end; i !== -1; i = previous[i]!) path.push(tasks[i]!.id);
  return path.reverse();
}
