import { z } from 'zod';
import { formatCredits } from './credits';
import type { TaskProgress } from './task-progress';

/**
 * How many credits to suggest to a person approving a task that waits for them. Exactly the shortfall of its next
 * call makes a task ask again a few calls later; the suggestion covers the task's projected remaining work instead:
 * what it spent per round so far, for this round and every round the reviewer may still send it back for. One
 * function for the browser view, `planwright pending` and `planwright approve`, so all three suggest the same.
 */
export const ApprovalSuggestion = z.object({
  credits: z.number().positive().describe('Whole credits suggested'),
  basis: z.string().describe('How the suggestion was made, in one sentence'),
});
export type ApprovalSuggestion = z.infer<typeof ApprovalSuggestion>;

/** What the suggestion is made from: the request, and the task's live progress when it could be read. */
export interface SuggestionInput {
  shortfallMillicredits: number;
  progress?:
    | Pick<TaskProgress, 'round' | 'spentMillicredits' | 'availableMillicredits' | 'modelCalls' | 'maxRounds'>
    | undefined;
}

/** The calls of the cheapest round: the implementer's answer and one review. */
const CALLS_PER_ROUND_AT_LEAST = 2;

const wholeCredits = (millicredits: number) => Math.max(1, Math.ceil(millicredits / 1000));

/**
 * Enough for the calls left in the task's current round, each priced like the call that waits (its reservation: the
 * shortfall plus what the task still holds), less what it holds. A round is at least the work and its review (more
 * when the task's rounds averaged more calls). A review that fails asks again, when that round's price is known.
 */
export function suggestApproval({ shortfallMillicredits, progress }: SuggestionInput): ApprovalSuggestion {
  const shortfall = `its next call alone needs ${formatCredits(shortfallMillicredits)}`;
  if (!progress) {
    return {
      credits: wholeCredits(shortfallMillicredits),
      basis: `${shortfall}; the task's progress could not be read`,
    };
  }
  const holds = Math.max(0, progress.availableMillicredits - progress.spentMillicredits);
  const callPrice = shortfallMillicredits + holds;
  const round = Math.max(1, progress.round);
  const callsPerRound = Math.max(CALLS_PER_ROUND_AT_LEAST, Math.ceil(progress.modelCalls / round));
  const doneThisRound = Math.max(0, progress.modelCalls - (round - 1) * callsPerRound);
  const callsLeft = Math.max(1, callsPerRound - doneThisRound);
  const needed = Math.max(shortfallMillicredits, callPrice * callsLeft - holds);
  const calls = callsLeft === 1 ? 'the one call' : `${callsLeft} calls`;
  const rounds = progress.maxRounds ? ` of ${progress.maxRounds}` : '';
  return {
    credits: wholeCredits(needed),
    basis:
      `${calls} left in round ${round}${rounds} (a round took ${callsPerRound} calls) at ` +
      `${formatCredits(callPrice)} credits each, the price of the call that waits, less the ${formatCredits(holds)} ` +
      'the task still holds; a failed review asks again',
  };
}
