import type { CreditDecision, CreditRequest } from '../../domain/approvals';
import type { ToolCallDecision, ToolCallQuotaRequest, ToolCallRequest } from '../../domain/tool-approvals';
import type { ToolCallQuotaAnswer } from '../../domain/tool-call-quota';
import {
  creditDecisionSignal,
  requestCreditsSignal,
  requestToolCallQuotaSignal,
  requestToolCallSignal,
  toolCallDecisionSignal,
  toolCallQuotaSignal,
} from '../messages';
import type { RequestProtocol } from './run-requests';

/**
 * The requests a task makes of its run (./run-requests.ts), each a few lines: its two signals and how its answer
 * reads. Answers are checked by hand: task workflows stay zod-free.
 */

/** The task cannot afford its next call: the run grants from its pool, or a person decides. */
export const creditRequests: RequestProtocol<CreditRequest, CreditDecision> = {
  name: 'creditDecision',
  request: requestCreditsSignal,
  answer: creditDecisionSignal,
  read(raw) {
    if (!raw || typeof raw !== 'object') return undefined;
    const d = raw as Record<string, unknown>;
    const requestId = typeof d.requestId === 'string' ? { requestId: d.requestId } : {};
    if (d.kind === 'granted' && Number.isSafeInteger(d.millicredits) && (d.millicredits as number) > 0) {
      return { kind: 'granted', millicredits: d.millicredits as number, ...requestId };
    }
    if (d.kind === 'denied' && typeof d.reason === 'string') return { kind: 'denied', reason: d.reason, ...requestId };
    return undefined;
  },
  idOf: (d) => d.requestId,
};

/** A call of a gated tool waits for a person's decision on that very call. */
export const toolCallRequests: RequestProtocol<ToolCallRequest, ToolCallDecision> = {
  name: 'toolCallDecision',
  request: requestToolCallSignal,
  answer: toolCallDecisionSignal,
  read(raw) {
    if (!raw || typeof raw !== 'object') return undefined;
    const d = raw as Record<string, unknown>;
    if (typeof d.requestId !== 'string' || typeof d.by !== 'string') return undefined;
    if (d.kind === 'approved') return { requestId: d.requestId, kind: 'approved', by: d.by };
    if (d.kind === 'denied' && typeof d.reason === 'string') {
      return { requestId: d.requestId, kind: 'denied', by: d.by, reason: d.reason };
    }
    return undefined;
  },
  idOf: (d) => d.requestId,
};

/** A share of the run-wide tool-call limit. */
export const toolCallQuotaRequests: RequestProtocol<ToolCallQuotaRequest, ToolCallQuotaAnswer> = {
  name: 'toolCallQuota',
  request: requestToolCallQuotaSignal,
  answer: toolCallQuotaSignal,
  read(raw) {
    const a = raw as Partial<ToolCallQuotaAnswer> | undefined;
    const fits = typeof a?.requestId === 'string' && typeof a.granted === 'number' && typeof a.limit === 'number';
    return fits ? (a as ToolCallQuotaAnswer) : undefined;
  },
  idOf: (a) => a.requestId,
};
