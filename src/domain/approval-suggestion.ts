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
  progress?: Pick<TaskProgress, 'round' | 'spentMillicredits' | 'maxRounds'> | undefined;
}

const wholeCredits = (millicredits: number) => Math.max(1, Math.ceil(millicredits / 1000));

export function suggestApproval({ shortfallMillicredits, progress }: SuggestionInput): ApprovalSuggestion {
  const shortfall = `its next call alone needs ${formatCredits(shortfallMillicredits)}`;
  if (!progress || progress.spentMillicredits <= 0 || progress.maxRounds === undefined) {
    return {
      credits: wholeCredits(shortfallMillicredits),
      basis: `${shortfall}; the task has no spending to project from yet`,
    };
  }
  const round = Math.max(1, progress.round);
  const roundsLeft = Math.max(1, progress.maxRounds - round + 1);
  const perRound = progress.spentMillicredits / round;
  const projected = perRound * roundsLeft;
  if (projected <= shortfallMillicredits) {
    return { credits: wholeCredits(shortfallMillicredits), basis: `${shortfall}, more than its projected remaining work` };
  }
  const rounds = roundsLeft === 1 ? 'this last round' : `this round and ${roundsLeft - 1} more the reviewer may ask for`;
  return {
    credits: wholeCredits(projected),
    basis:
      `${formatCredits(perRound)} credits a round (what it spent per round so far) for ${rounds}; ${shortfall}`,
  };
}
