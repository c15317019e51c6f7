import type { ImplementerOutput } from './agent-outputs';
import type { CallRecord } from './model';
import type { Plan, PlanInput, TaskSpec } from './plan';
import type { DependencyContext, RoundFeedback } from './prompts';

/** Everything that crosses the workflow/activity boundary is one of these plain JSON shapes. */

export interface PreparePlanInput {
  goal: string;
  constraints: string[];
  /** A plan given by the caller: validated only, the planner is not called. */
  plan?: PlanInput;
  /** Credits the planner may spend, in millicredits. */
  availableMillicredits: number;
}

export interface PreparePlanResult {
  plan: Plan;
  source: 'input' | 'planner';
  calls: CallRecord[];
  spentMillicredits: number;
}

/** Result of any metered call: the value, or the shortfall that stopped it before a request was made. */
export type MeteredResult<T> =
  | {
      kind: 'ok';
      value: T;
      /** Model that answered. */
      model: string;
      /** Models that failed first, and why (fallback models were used). */
      fallbacks: { model: string; failureType: string }[];
      calls: CallRecord[];
      spentMillicredits: number;
    }
  | { kind: 'insufficient_credits'; shortfallMillicredits: number; calls: CallRecord[]; spentMillicredits: number };

export interface ImplementTaskInput {
  goal: string;
  task: TaskSpec;
  dependencies: DependencyContext[];
  /** The run's constraints; the implementer must respect them. */
  constraints?: string[];
  round: number;
  feedback?: RoundFeedback;
  availableMillicredits: number;
  modelOverride?: string;
}

export interface ReviewTaskInput {
  task: TaskSpec;
  output: ImplementerOutput;
  round: number;
  /** Which member of a review panel this is (0 for a single reviewer). */
  panelSeat: number;
  /** The run's constraints; output that breaks one fails review. */
  constraints?: string[];
  availableMillicredits: number;
  modelOverride?: string;
}
