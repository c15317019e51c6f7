import type { PlanInput } from '../src/domain/plan';

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
