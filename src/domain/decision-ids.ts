import { MAX_REJECTED_DECISIONS } from './limits';
import type { ApprovalDecision } from './run';

/**
 * Decision ids: a person's client gives each approval or denial an id of its own choosing, sends it as the Update's id
 * and, when no worker answers the Update in time, as a durable signal with the same id. The run applies an id once;
 * a second message with it (a retried Update, or the signal after an Update a worker took late) is a duplicate,
 * recorded as such in the audit trail, never a refusal, and changes nothing.
 */

/** The id a person's message carried, as a field to spread into its decision (nothing when it carried none). */
export const decisionIdOf = ({ decisionId }: { decisionId?: string | undefined }): { decisionId?: string } =>
  decisionId ? { decisionId } : {};

/** The decision a message with this id already made, if any (a duplicate is never one). */
export function decisionWithId(
  decisions: readonly ApprovalDecision[],
  decisionId: string,
): ApprovalDecision | undefined {
  return decisions.find((d) => d.decisionId === decisionId && d.decision !== 'duplicate');
}

/** Appends the record of a duplicate, bounded like refusals: anyone who can signal may repeat an id forever. */
export function recordDuplicate(
  decisions: ApprovalDecision[],
  first: ApprovalDecision,
  by: string | undefined,
  at: string,
): void {
  if (decisions.filter((d) => d.decision === 'duplicate').length >= MAX_REJECTED_DECISIONS) return;
  decisions.push({
    taskId: first.taskId,
    decision: 'duplicate',
    millicredits: 0,
    by: by ?? 'unknown',
    note: `repeats decision ${first.decisionId} (${first.decision} at ${first.at}); nothing changed`,
    at,
    ...decisionIdOf(first),
  });
}
