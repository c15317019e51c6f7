import { log, setHandler } from '@temporalio/workflow';
import type { RunLedger } from '../../domain/run-ledger';
import { taskWorkflowId } from '../../domain/task-address';
import {
  ApproveToolCall,
  DenyToolCall,
  ToolCallQuotaRequest,
  ToolCallRequest,
  type ToolCallAnswer,
  type ToolCallDecision,
} from '../../domain/tool-approvals';
import type { ToolCallQuotaAnswer } from '../../domain/tool-call-quota';
import {
  approveToolCallSignal,
  approveToolCallUpdate,
  denyToolCallSignal,
  denyToolCallUpdate,
  requestToolCallQuotaSignal,
  requestToolCallSignal,
  toolCallDecisionSignal,
  toolCallQuotaSignal,
} from '../messages';
import { repeatedDecision } from './decision-repeats';
import { answerTask, invalidPayload } from './task-answers';

export interface ToolApprovalContext {
  ledger: RunLedger;
  publish: () => void;
  now: () => string;
  /** Tells people a call waits for them (the webhook). */
  askPerson: (request: ToolCallRequest) => Promise<void>;
}

/**
 * The run's side of tool-call approvals, beside the money protocol (./budget-handlers.ts) and with its rules: any
 * payload is parsed first; a request counts only from a task still running, a decision only for a call still waiting
 * and from someone the approver list allows; everything else is refused and counted, nothing else changed.
 */
export function createToolApprovalHandlers(ctx: ToolApprovalContext) {
  const { ledger, publish, now } = ctx;

  const refuse = (name: string, raw: unknown, reason: string): ToolCallAnswer => {
    const requestId = (raw as { requestId?: unknown } | undefined)?.requestId;
    const id = typeof requestId === 'string' ? requestId.slice(0, 300) : '?';
    ledger.refuse(name, undefined, reason, now());
    publish();
    log.warn(`${name} refused: ${reason}`);
    return { accepted: false, requestId: id, reason };
  };

  /** A repeated decision id: only taken decisions are recorded with their id, so the first one was accepted. */
  const answerAgain = (requestId: string): ToolCallAnswer => {
    publish();
    return { accepted: true, requestId, duplicate: true };
  };

  const tellTask = (taskId: string, decision: ToolCallDecision) =>
    answerTask(taskWorkflowId(ledger.options.runId, taskId), toolCallDecisionSignal, decision, 'a tool-call decision');

  async function requestToolCall(raw: unknown): Promise<void> {
    const parsed = ToolCallRequest.safeParse(raw);
    if (!parsed.success)
      return void refuse('requestToolCall', raw, invalidPayload('requestToolCall', parsed.error.issues));
    if (!ledger.isOpen(parsed.data.taskId)) {
      return void refuse('requestToolCall', raw, `task "${parsed.data.taskId}" is not running`);
    }
    ledger.toolCalls.request(parsed.data, now());
    publish();
    await ctx.askPerson(parsed.data);
  }

  async function approve(raw: unknown): Promise<ToolCallAnswer> {
    const parsed = ApproveToolCall.safeParse(raw);
    if (!parsed.success) return refuse('approveToolCall', raw, invalidPayload('approveToolCall', parsed.error.issues));
    if (repeatedDecision(ledger, parsed.data, now())) return answerAgain(parsed.data.requestId);
    const verdict = ledger.toolCalls.approve(parsed.data, now());
    if (!verdict.ok) return refuse('approveToolCall', raw, verdict.error);
    publish();
    const { requestId, taskId } = verdict.request;
    await tellTask(taskId, { requestId, kind: 'approved', by: parsed.data.by ?? 'unknown' });
    return { accepted: true, requestId };
  }

  async function deny(raw: unknown): Promise<ToolCallAnswer> {
    const parsed = DenyToolCall.safeParse(raw);
    if (!parsed.success) return refuse('denyToolCall', raw, invalidPayload('denyToolCall', parsed.error.issues));
    if (repeatedDecision(ledger, parsed.data, now())) return answerAgain(parsed.data.requestId);
    const verdict = ledger.toolCalls.deny(parsed.data, now());
    if (!verdict.ok) return refuse('denyToolCall', raw, verdict.error);
    publish();
    const { requestId, taskId } = verdict.request;
    await tellTask(taskId, { requestId, kind: 'denied', by: parsed.data.by ?? 'unknown', reason: parsed.data.reason });
    return { accepted: true, requestId };
  }

  /** A task asks for a share of the run-wide tool-call limit: granted from what is left, answered at once. */
  async function grantToolCalls(raw: unknown): Promise<void> {
    const parsed = ToolCallQuotaRequest.safeParse(raw);
    if (!parsed.success) {
      return void refuse('requestToolCallQuota', raw, invalidPayload('requestToolCallQuota', parsed.error.issues));
    }
    const { taskId, requestId, wanted } = parsed.data;
    const limit = ledger.workspace?.opened.policy.maxToolCallsPerRun;
    if (!ledger.isOpen(taskId) || limit === undefined) {
      const why = limit === undefined ? 'the run has no tool-call limit' : `task "${taskId}" is not running`;
      return void refuse('requestToolCallQuota', raw, why);
    }
    const granted = ledger.toolCalls.quota.grant(taskId, wanted, limit, ledger.runningTaskIds().length);
    const answer: ToolCallQuotaAnswer = { requestId, granted, limit };
    await answerTask(taskWorkflowId(ledger.options.runId, taskId), toolCallQuotaSignal, answer, 'a tool-call grant');
  }

  return { requestToolCall, approve, deny, grantToolCalls };
}

/** Registers the run's tool-call handlers: approval requests and decisions (signals and Updates), quota requests. */
export function registerToolCallHandlers(ctx: ToolApprovalContext): void {
  const handlers = createToolApprovalHandlers(ctx);
  setHandler(requestToolCallSignal, (raw: unknown) => handlers.requestToolCall(raw));
  setHandler(approveToolCallSignal, async (raw: unknown) => void (await handlers.approve(raw)));
  setHandler(denyToolCallSignal, async (raw: unknown) => void (await handlers.deny(raw)));
  setHandler(approveToolCallUpdate, (raw: unknown) => handlers.approve(raw));
  setHandler(denyToolCallUpdate, (raw: unknown) => handlers.deny(raw));
  setHandler(requestToolCallQuotaSignal, (raw: unknown) => handlers.grantToolCalls(raw));
}
