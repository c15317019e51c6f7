import type { z } from 'zod';
import { Plan, type PlanDraft } from './plan';

export type PlanCheck = { ok: true; plan: Plan } | { ok: false; errors: string[] };

/** Formats zod issues as `path: message` lines a person can act on. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = ''): string[] {
  return issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}

/**
 * Validates a plan from any source (the planner model, a file, the Temporal CLI): its shape first, then its graph.
 * Every problem is reported at once so that a person, or the model in a repair round, can fix them all in one go.
 */
export function validatePlan(input: unknown, knownAgentTypes: readonly string[]): PlanCheck {
  const parsed = Plan.safeParse(input);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues, 'plan') };
  const errors = checkGraph(parsed.data, knownAgentTypes);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: parsed.data };
}

function checkGraph(plan: Plan, knownAgentTypes: readonly string[]): string[] {
  const errors: string[] = [];
  const ids = new Set<string>();
  for (const task of plan.tasks) {
    if (ids.has(task.id)) errors.push(`task "${task.id}": duplicate id; every task id must be unique`);
    ids.add(task.id);
  }
  const agentTypes = new Set(knownAgentTypes);
  for (const task of plan.tasks) {
    if (!agentTypes.has(task.agentType)) {
      errors.push(
        `task "${task.id}": unknown agentType "${task.agentType}"; use one of: ${[...agentTypes].sort().join(', ')}`,
      );
    }
    const seen = new Set<string>();
    for (const dep of task.deps) {
      if (dep === task.id) errors.push(`task "${task.id}": depends on itself; remove "${dep}" from its deps`);
      else if (!ids.has(dep)) errors.push(`task "${task.id}": unknown dependency "${dep}"; no task has that id`);
      if (seen.has(dep)) errors.push(`task "${task.id}": dependency "${dep}" is listed twice`);
      seen.add(dep);
    }
  }
  // Only look for cycles in a graph whose edges all resolve, so each reported cycle is real.
  if (errors.length === 0) {
    const cycle = findCycle(plan);
    if (cycle) errors.push(`dependency cycle: ${cycle.join(' -> ')}; break it by removing one of these deps`);
  }
  return errors;
}

/** Returns one cycle as a path that starts and ends on the same id, or undefined for a DAG. Iterative: plans are big. */
export function findCycle(plan: Pick<Plan, 'tasks'>): string[] | undefined {
  const deps = new Map(plan.tasks.map((t) => [t.id, t.deps]));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of deps.keys()) {
    if (state.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const children = deps.get(frame.id) ?? [];
      if (frame.next >= children.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const child = children[frame.next++]!;
      const childState = state.get(child);
      if (childState === 'visiting') {
        const start = stack.findIndex((f) => f.id === child);
        // Edges point from a task to what it depends on; report the cycle in execution order.
        return [...stack.slice(start).map((f) => f.id), child].reverse();
      }
      if (childState === undefined && deps.has(child)) {
        state.set(child, 'visiting');
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return undefined;
}

/** Turns the planner's strict-schema draft into a plan for validation, keeping whatever the model wrote. */
export function draftToPlanInput(goal: string, draft: PlanDraft): unknown {
  return {
    goal,
    tasks: draft.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      description: t.description,
      deps: t.deps,
      agentType: t.agentType,
      effort: t.effort,
      acceptanceCriteria: t.acceptanceCriteria,
      artifacts: t.artifacts,
    })),
  };
}
