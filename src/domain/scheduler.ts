/**
 * Dependency-ordered scheduling of a DAG under a concurrency cap, as plain state with no Temporal in it.
 *
 * Invariants the parent workflow relies on:
 * - a task is handed out only when every dependency has succeeded, and at most `maxConcurrency` run at once;
 * - whenever a slot is free and a task is ready, `takeStartable` hands it out (no waves);
 * - among ready tasks, the one with the longest remaining critical path (by effort) goes first, ties by plan order;
 * - a failed task skips its transitive dependents and nothing else.
 * All operations are O(degree + log n) or better except `restore`, so 5,000-task plans stay cheap per activation.
 */

export type SchedulerState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface SchedulableTask {
  id: string;
  deps: readonly string[];
  effort: number;
}

export class DagScheduler {
  private readonly ids: string[];
  private readonly index = new Map<string, number>();
  private readonly dependents: number[][];
  private readonly deps: number[][];
  private readonly remainingDeps: number[];
  private readonly states: SchedulerState[];
  /** Effort along the longest path from each task to the end of the DAG, the task itself included. */
  readonly priority: number[];
  /** Ready tasks, kept sorted by priority (high first), then plan order. */
  private ready: number[] = [];
  private runningCount = 0;

  constructor(
    tasks: readonly SchedulableTask[],
    readonly maxConcurrency: number,
  ) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a whole number of at least 1, got ${maxConcurrency}`);
    }
    this.ids = tasks.map((t) => t.id);
    tasks.forEach((t, i) => this.index.set(t.id, i));
    this.dependents = tasks.map(() => []);
    this.deps = tasks.map(() => []);
    this.remainingDeps = tasks.map((t) => t.deps.length);
    tasks.forEach((t, i) => {
      for (const dep of t.deps) {
        const d = this.index.get(dep);
        if (d === undefined)
          throw new Error(`task "${t.id}" depends on unknown task "${dep}" (validate the plan first)`);
        this.dependents[d]!.push(i);
        this.deps[i]!.push(d);
      }
    });
    this.states = tasks.map(() => 'pending');
    this.priority = computePriorities(tasks, this.dependents);
    tasks.forEach((t, i) => {
      if (t.deps.length === 0) this.insertReady(i);
    });
  }

  /** Rebuilds a scheduler from task states saved before continue-as-new. */
  static restore(
    tasks: readonly SchedulableTask[],
    maxConcurrency: number,
    states: Readonly<Record<string, SchedulerState>>,
  ): DagScheduler {
    const s = new DagScheduler(tasks, maxConcurrency);
    s.ready = [];
    tasks.forEach((t, i) => {
      const state = states[t.id] ?? 'pending';
      s.states[i] = state;
      s.remainingDeps[i] = t.deps.filter((d) => states[d] !== 'succeeded').length;
      if (state === 'running') s.runningCount++;
    });
    tasks.forEach((_, i) => {
      if (s.states[i] === 'pending' && s.remainingDeps[i] === 0) s.insertReady(i);
    });
    return s;
  }

  get running(): number {
    return this.runningCount;
  }

  /** Tasks whose dependencies have all succeeded and that wait for a slot. */
  get readyCount(): number {
    return this.ready.length;
  }

  stateOf(id: string): SchedulerState {
    return this.states[this.indexOf(id)]!;
  }

  /** States of all tasks by id, for snapshots and reports. */
  snapshot(): Record<string, SchedulerState> {
    const out: Record<string, SchedulerState> = {};
    this.ids.forEach((id, i) => (out[id] = this.states[i]!));
    return out;
  }

  /** Marks as running and returns as many ready tasks as there are free slots, most critical first. */
  takeStartable(): string[] {
    const free = this.maxConcurrency - this.runningCount;
    if (free <= 0 || this.ready.length === 0) return [];
    const taken = this.ready.splice(0, free);
    for (const i of taken) this.states[i] = 'running';
    this.runningCount += taken.length;
    return taken.map((i) => this.ids[i]!);
  }

  /** Records success and readies the dependents whose last dependency this was. */
  succeed(id: string): void {
    const i = this.finishRunning(id, 'succeeded');
    if (i === undefined) return;
    for (const d of this.dependents[i]!) {
      this.remainingDeps[d]!--;
      if (this.remainingDeps[d] === 0 && this.states[d] === 'pending') this.insertReady(d);
    }
  }

  /** Records failure; returns the transitive dependents now skipped. */
  fail(id: string, state: 'failed' | 'cancelled' = 'failed'): string[] {
    const i = this.finishRunning(id, state);
    if (i === undefined) return [];
    const skipped: string[] = [];
    const stack = [...this.dependents[i]!];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (this.states[d] !== 'pending') continue;
      this.states[d] = 'skipped';
      skipped.push(this.ids[d]!);
      stack.push(...this.dependents[d]!);
    }
    this.ready = this.ready.filter((r) => this.states[r] === 'pending');
    return skipped;
  }

  /** Skips every task not yet started (fail-fast or cancellation); returns their ids. Running tasks are untouched. */
  skipAllPending(): string[] {
    const skipped: string[] = [];
    this.states.forEach((s, i) => {
      if (s === 'pending') {
        this.states[i] = 'skipped';
        skipped.push(this.ids[i]!);
      }
    });
    this.ready = [];
    return skipped;
  }

  /**
   * Puts ended tasks (failed, skipped, cancelled) back to pending, for a retry; each is ready once every dependency
   * has succeeded. The caller picks which (./task-failures.ts, retryScope); a task that is running or succeeded is
   * left as it is.
   */
  reset(ids: readonly string[]): void {
    const back = ids.map((id) => this.indexOf(id)).filter((i) => !['running', 'succeeded'].includes(this.states[i]!));
    for (const i of back) {
      this.states[i] = 'pending';
      this.remainingDeps[i] = this.deps[i]!.filter((d) => this.states[d] !== 'succeeded').length;
    }
    for (const i of back) if (this.remainingDeps[i] === 0) this.insertReady(i);
  }

  /** True when nothing runs and nothing can start any more. */
  isFinished(): boolean {
    return this.runningCount === 0 && this.ready.length === 0;
  }

  /** Ids along the longest effort path, in execution order. */
  criticalPath(): string[] {
    const path: string[] = [];
    let best = -1;
    this.priority.forEach((p, i) => {
      if (this.remainingDeps[i] === 0 && (best < 0 || p > this.priority[best]!)) best = i;
    });
    // Start from the highest-priority root: in a DAG, the longest path starts at a task with no dependencies.
    let current = best;
    while (current >= 0) {
      path.push(this.ids[current]!);
      let next = -1;
      for (const d of this.dependents[current]!) if (next < 0 || this.priority[d]! > this.priority[next]!) next = d;
      current = next;
    }
    return path;
  }

  private indexOf(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new Error(`unknown task "${id}"`);
    return i;
  }

  private finishRunning(id: string, state: SchedulerState): number | undefined {
    const i = this.indexOf(id);
    // Completion may be reported twice (a result and a signal); the first one wins.
    if (this.states[i] !== 'running') return undefined;
    this.states[i] = state;
    this.runningCount--;
    return i;
  }

  private insertReady(i: number): void {
    const before = (a: number, b: number) =>
      this.priority[a]! > this.priority[b]! || (this.priority[a] === this.priority[b] && a < b);
    let lo = 0;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.ready[mid]!, i)) lo = mid + 1;
      else hi = mid;
    }
    this.ready.splice(lo, 0, i);
  }
}

function computePriorities(tasks: readonly SchedulableTask[], dependents: number[][]): number[] {
  // Kahn's order from the roots, then priorities from the leaves back.
  const indegree = tasks.map((t) => t.deps.length);
  const order: number[] = [];
  indegree.forEach((deg, i) => deg === 0 && order.push(i));
  for (let k = 0; k < order.length; k++) {
    for (const d of dependents[order[k]!]!) if (--indegree[d]! === 0) order.push(d);
  }
  if (order.length !== tasks.length) throw new Error('the plan has a dependency cycle (validate the plan first)');
  const priority = tasks.map((t) => t.effort);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    let longest = 0;
    for (const d of dependents[i]!) longest = Math.max(longest, priority[d]!);
    priority[i] = tasks[i]!.effort + longest;
  }
  return priority;
}
