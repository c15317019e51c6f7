import { formatCredits, toMillicredits } from './credits';

/**
 * Who may decide on a run's credits. The list travels in the run's input, fixed at start. A name in an approval
 * proves nothing by itself: whoever may signal or update the namespace is trusted as far as the server's authorizer
 * allows, and front ends that authenticate people (the CLI's configured identity, the dashboard's login) put the
 * authenticated name and groups in. Within that boundary the run refuses decisions from anyone not on its list.
 * Zod-free: the run ledger uses it (the schema is ApproverRule in ./run.ts).
 */
export interface ApproverRuleInput {
  /** A person's name, or "group:<name>" for anyone whose front end says they belong to that group. */
  approver: string;
  /** The largest single approval this rule allows, in credits; unset: any amount. */
  maxCredits?: number | undefined;
}

export const GROUP_PREFIX = 'group:';

/** Who is deciding, as the approval names them. */
export interface Decider {
  by?: string | undefined;
  groups?: readonly string[] | undefined;
}

/**
 * Whether `decider` may approve `credits` (or deny, when `credits` is undefined) under `rules`; undefined when allowed,
 * otherwise why not. No list means no restriction beyond the namespace's permissions.
 */
export function approverProblem(
  rules: readonly ApproverRuleInput[] | undefined,
  decider: Decider,
  credits?: number,
): string | undefined {
  if (!rules || rules.length === 0) return undefined;
  const groups = new Set(decider.groups ?? []);
  const matching = rules.filter((r) =>
    r.approver.startsWith(GROUP_PREFIX) ? groups.has(r.approver.slice(GROUP_PREFIX.length)) : r.approver === decider.by,
  );
  const who = decider.by ? `"${decider.by}"` : 'an unnamed approver';
  if (matching.length === 0) {
    return `${who} is not on this run's approver list (${rules.map((r) => r.approver).join(', ')})`;
  }
  if (credits === undefined || matching.some((r) => r.maxCredits === undefined)) return undefined;
  const most = Math.max(...matching.map((r) => r.maxCredits ?? 0));
  if (toMillicredits(credits) > toMillicredits(most)) {
    return `${who} may approve at most ${formatCredits(toMillicredits(most))} credits at once, not ${credits}`;
  }
  return undefined;
}
