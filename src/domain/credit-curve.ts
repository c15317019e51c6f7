import type { ApprovalDecision } from './run';
import type { CreditPoint } from './run-details';

/** Most points a spending curve keeps: a front end draws it, and a 5,000-task run would otherwise send 5,000. */
export const MAX_CREDIT_POINTS = 500;

/** Credits booked at one time: a task's end (its whole spend) or the plan (planning's). */
export interface SpendEvent {
  /** ISO time the run booked it. */
  at: string;
  millicredits: number;
}

export interface CreditCurveInput {
  /** ISO start of the run: the curve starts there at zero. */
  startedAt: string;
  budgetMillicredits: number;
  spends: readonly SpendEvent[];
  /** The run's budget decisions; those a person approved raise the budget line from their time on. */
  decisions: readonly ApprovalDecision[];
  /** A live run's last point: what it has spent by now (finished tasks, planning and, when known, calls in flight). */
  now?: { at: string; spentMillicredits: number };
}

/**
 * A run's spending over time: a point at its start, one per booked spend and per approval that raised the budget line,
 * oldest first, and `now` last for a live run. Above `maxPoints` it is thinned evenly, keeping the first and last
 * points and every change of the budget line.
 */
export function creditCurve(input: CreditCurveInput, maxPoints = MAX_CREDIT_POINTS): CreditPoint[] {
  type Step = { at: string; spend: number; extra: number };
  const steps: Step[] = [
    ...input.spends.map((s) => ({ at: s.at, spend: s.millicredits, extra: 0 })),
    ...input.decisions
      .filter((d) => d.decision === 'approved' && d.millicredits > 0)
      .map((d) => ({ at: d.at, spend: 0, extra: d.millicredits })),
  ];
  // ISO times of one clock sort as strings; a stable sort keeps same-time steps in the order given.
  steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const points: CreditPoint[] = [
    { at: input.startedAt, spentMillicredits: 0, budgetMillicredits: input.budgetMillicredits },
  ];
  let spent = 0;
  let budget = input.budgetMillicredits;
  for (const step of steps) {
    spent += step.spend;
    budget += step.extra;
    points.push({
      at: step.at < input.startedAt ? input.startedAt : step.at,
      spentMillicredits: spent,
      budgetMillicredits: budget,
    });
  }
  if (input.now) {
    const at = input.now.at < points.at(-1)!.at ? points.at(-1)!.at : input.now.at;
    points.push({ at, spentMillicredits: Math.max(spent, input.now.spentMillicredits), budgetMillicredits: budget });
  }
  return thin(points, maxPoints);
}

/**
 * `maxPoints` points spread evenly over the curve, its first and last included, plus every change of the budget line
 * (those come from people, so there are few); evenly spread alone when even those are too many.
 */
function thin(points: CreditPoint[], maxPoints: number): CreditPoint[] {
  if (points.length <= maxPoints) return points;
  const even = (count: number) => {
    const picked = new Set<number>();
    for (let k = 0; k < count; k++) picked.add(Math.round((k * (points.length - 1)) / Math.max(1, count - 1)));
    return picked;
  };
  const changes = points.flatMap((p, i) =>
    i > 0 && p.budgetMillicredits !== points[i - 1]!.budgetMillicredits ? [i] : [],
  );
  const picked = changes.length < maxPoints / 2 ? even(maxPoints - changes.length) : even(maxPoints);
  if (changes.length < maxPoints / 2) for (const i of changes) picked.add(i);
  return [...picked].sort((a, b) => a - b).map((i) => points[i]!);
}
