import type { ToolStepInput } from '../../domain/agent-loop';
import type { TaskProgress } from '../../domain/task-progress';
import type { ToolCallDecision, ToolCallRequest } from '../../domain/tool-approvals';
import { toolCallRequests } from './protocols';
import { RunRequests } from './run-requests';

/**
 * A task's side of tool-call approvals: before a call of a gated tool runs, the task asks its run and waits, durably,
 * for a person's decision on that very call (its request id: task and step), over the channel to its run.
 */
export class ToolCallGate {
  private readonly requests: RunRequests<ToolCallRequest, ToolCallDecision>;

  constructor(
    runWorkflowId: string,
    private readonly progress: TaskProgress,
    private readonly timeoutSeconds: number | undefined,
  ) {
    this.requests = new RunRequests(runWorkflowId, toolCallRequests, progress);
  }

  /** Asks for a decision on `request` and waits for it (or the run's approval timeout, which denies). */
  async ask(request: ToolCallRequest): Promise<NonNullable<ToolStepInput['decision']>> {
    const phase = this.progress.phase;
    this.progress.phase = 'awaiting_approval';
    const timeoutMs = this.timeoutSeconds === undefined ? undefined : this.timeoutSeconds * 1000;
    const d = await this.requests.ask(request.requestId, request, timeoutMs);
    this.progress.phase = phase;
    if (!d) return { approved: false, by: 'timer', reason: `no decision within ${this.timeoutSeconds} s` };
    return d.kind === 'approved' ? { approved: true, by: d.by } : { approved: false, by: d.by, reason: d.reason };
  }
}
