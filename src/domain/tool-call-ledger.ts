import { approverProblem, type ApproverRuleInput } from './approvers';
import { decisionIdOf } from './decision-ids';
import type { ApprovalDecision } from './run';
import type { ApproveToolCall, DenyToolCall, PendingToolCall, ToolCallRequest } from './tool-approvals';
import { ToolCallQuota } from './tool-call-quota';

export type ToolCallVerdict = { ok: true; request: PendingToolCall } | { ok: false; error: string };

/**
 * The tool calls of a run that wait for a person, by request id, and the rules of deciding them: only a waiting
 * call can be decided, once, by someone the run's approver list allows. Decisions go to the run's audit trail beside
 * the budget decisions (with no credits).
 */
export class ToolCallLedger {
  readonly pending = new Map<string, PendingToolCall>();
  /** The run-wide tool-call count; replaced whole when a run is restored from its snapshot. */
  quota = new ToolCallQuota();

  constructor(
    private readonly approvers: readonly ApproverRuleInput[] | undefined,
    private readonly decisions: ApprovalDecision[],
  ) {}

  request(request: ToolCallRequest, at: string): void {
    if (!this.pending.has(request.requestId)) this.pending.set(request.requestId, { ...request, since: at });
  }

  approve(decision: ApproveToolCall, at: string): ToolCallVerdict {
    return this.decide('approved', decision, decision.note, at);
  }

  deny(decision: DenyToolCall, at: string): ToolCallVerdict {
    return this.decide('denied', decision, decision.reason, at);
  }

  /** Drops what a task that ended still had waiting: nothing will run it. */
  forgetTask(taskId: string): void {
    for (const [id, request] of this.pending) if (request.taskId === taskId) this.pending.delete(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /** The tools of the calls waiting, as `server.tool`, sorted and once each: what search attributes may carry. */
  waitingTools(): string[] {
    return [...new Set([...this.pending.values()].map((call) => `${call.server}.${call.tool}`))].sort();
  }

  private decide(
    kind: 'approved' | 'denied',
    decision: ApproveToolCall | DenyToolCall,
    note: string | undefined,
    at: string,
  ): ToolCallVerdict {
    const request = this.pending.get(decision.requestId);
    if (!request) return { ok: false, error: `no tool call "${decision.requestId}" is waiting for a decision` };
    const notAllowed = approverProblem(this.approvers, decision);
    if (notAllowed) return { ok: false, error: notAllowed };
    this.pending.delete(decision.requestId);
    this.decisions.push({
      taskId: request.taskId,
      decision: kind,
      millicredits: 0,
      by: decision.by ?? 'unknown',
      note: `tool call ${request.server}.${request.tool} (${request.requestId})${note ? `: ${note}` : ''}`,
      at,
      ...decisionIdOf(decision),
    });
    return { ok: true, request };
  }
}
