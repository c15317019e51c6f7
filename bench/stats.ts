import type { PlanInput } from '../src/domain/plan';
import { DagScheduler } from '../src/domain/scheduler';

/** Lower bound of any schedule's makespan: max(critical path, total work / concurrency). */
export function makespanLowerBound(
  plan: PlanInput,
  durationMs: ReadonlyMap<string, number>,
  concurrency: number,
): { criticalPathMs: number; workOverCapMs: number; boundMs: number } {
  const finish = new Map<string, number>();
  // Plans from randomPlan list dependencies before dependents, so one pass in plan order suffices.
  for (const t of plan.tasks) {
    const start = Math.max(0, ...(t.deps ?? []).map((d) => finish.get(d) ?? 0));
    finish.set(t.id, start + (durationMs.get(t.id) ?? 0));
  }
  const criticalPathMs = Math.max(...finish.values());
  const workOverCapMs = [...durationMs.values()].reduce((s, d) => s + d, 0) / concurrency;
  return { criticalPathMs, workOverCapMs, boundMs: Math.max(criticalPathMs, workOverCapMs) };
}

/**
 * The makespan Planwright's own scheduler reaches on `plan` when every task takes exactly its model time: an
 * event-driven replay of DagScheduler without Temporal. It is the best any engine running this scheduler could do,
 * which shows how much of a gap to the lower bound is the bound not being tight.
 */
export function scheduledMakespan(
  plan: PlanInput,
  durationMs: ReadonlyMap<string, number>,
  concurrency: number,
): number {
  const scheduler = new DagScheduler(
    plan.tasks.map((t) => ({ id: t.id, deps: t.deps ?? [], effort: t.effort ?? 1 })),
    concurrency,
  );
  const running: { id: string; end: number }[] = [];
  let now = 0;
  for (;;) {
    for (const id of scheduler.takeStartable()) running.push({ id, end: now + (durationMs.get(id) ?? 0) });
    if (running.length === 0) return now;
    running.sort((a, b) => a.end - b.end);
    const next = running.shift()!;
    now = next.end;
    scheduler.succeed(next.id);
  }
}
