import { patched } from '@temporalio/workflow';
import { decisionWithId, recordDuplicate } from '../../domain/decision-ids';
import type { ApprovalDecision } from '../../domain/run';
import type { RunLedger } from '../../domain/run-ledger';

/**
 * A person's message that repeats a decision id the run already took: records the duplicate and returns the first
 * decision, whose answer the caller gives again. Messages without an id, and new ids, go on to be decided.
 */
export function repeatedDecision(
  ledger: RunLedger,
  message: { decisionId?: string | undefined; by?: string | undefined },
  at: string,
): ApprovalDecision | undefined {
  if (!message.decisionId) return undefined;
  const first = decisionWithId(ledger.decisions, message.decisionId);
  if (!first) return undefined;
  // Before this check a repeated id was decided again (refused: nothing waited any more). Runs that took that path
  // under older code replay down it; only runs that reach a repeat on this code record it as a duplicate.
  if (!patched('decision-id-duplicates')) return undefined;
  recordDuplicate(ledger.decisions, first, message.by, at);
  return first;
}
