import { upsertSearchAttributes } from '@temporalio/workflow';
import type { RunLedger } from '../../domain/run-ledger';
import {
  PENDING_APPROVALS_ATTRIBUTE,
  RUN_STATUS_ATTRIBUTE,
  WAITING_TOOLS_ATTRIBUTE,
} from '../../domain/search-attributes';
import type { RunMeters } from './run-meters';

/**
 * What a run tells the world after each change of its ledger: its metrics, and its search attributes (status, how
 * many approvals wait, which gated tools wait), upserted only on change: each upsert is a history event, and most
 * task completions change none of them.
 */
export function createRunPublisher(ledger: RunLedger, meters: RunMeters): () => void {
  let published = '';
  let toolsPublished = false;
  return () => {
    // Every change of the ledger is followed by a publish: the place to count the decisions it appended.
    meters.newDecisions(ledger.decisions);
    // Tool calls waiting for a person count as pending approvals (always none in runs without them).
    const waiting = ledger.pending.size + ledger.toolCalls.size;
    const status = waiting > 0 ? 'awaiting_approval' : ledger.status;
    const tools = ledger.toolCalls.waitingTools();
    // Runs that never had a gated call keep the key (and the upserts) they always had: replays stay the same.
    const key = `${status}/${waiting}${tools.length > 0 || toolsPublished ? `/${tools.join(',')}` : ''}`;
    if (published === key) return;
    published = key;
    toolsPublished ||= tools.length > 0;
    upsertSearchAttributes([
      { key: RUN_STATUS_ATTRIBUTE, value: status },
      { key: PENDING_APPROVALS_ATTRIBUTE, value: waiting },
      ...(toolsPublished ? [{ key: WAITING_TOOLS_ATTRIBUTE, value: tools }] : []),
    ]);
  };
}
