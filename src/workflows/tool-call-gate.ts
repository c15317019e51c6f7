import { condition, getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import type { ToolStepInput } from '../domain/agent-loop';
import type { TaskProgress } from '../domain/task-progress';
import type { ToolCallDecision, ToolCallRequest } from '../domain/tool-approvals';
import { requestToolCallSignal, toolCallDecisionSignal } from './messages';

/**
 * A task's side of tool-call approvals: before a call of a gated tool runs, the task asks its run and waits, durably,
 * for a person's decision on that very call. A decision counts only as the answer to the call the task waits on;
 * anything else is refused and counted, never stored.
 */
export class ToolCallGate {
  private awaiting: string | undefined;
  private decision: ToolCallDecision | undefined;

  constructor(
    private readonly runWorkflowId: string,
    private readonly progress: TaskProgress,
    private readonly timeoutSeconds: number | undefined,
  ) {
    setHandler(toolCallDecisionSignal, (raw: unknown) => {
      const d = readDecision(raw);
      if (!d || d.requestId !== this.awaiting) {
        this.progress.refusedSignals = (this.progress.refusedSignals ?? 0) + 1;
        log.warn('toolCallDecision refused: not the answer to the call this task waits on');
        return;
      }
      this.decision = d;
    });
  }

  /** Asks for a decision on `request` and waits for it (or the run's approval timeout, which denies). */
  async ask(request: ToolCallRequest): Promise<NonNullable<ToolStepInput['decision']>> {
    this.awaiting = request.requestId;
    this.decision = undefined;
    const phase = this.progress.phase;
    this.progress.phase = 'awaiting_approval';
    await getExternalWorkflowHandle(this.runWorkflowId).signal(requestToolCallSignal, request);
    const answered =
      this.timeoutSeconds === undefined
        ? (await condition(() => this.decision !== undefined), true)
        : await condition(() => this.decision !== undefined, this.timeoutSeconds * 1000);
    this.progress.phase = phase;
    this.awaiting = undefined;
    const d = this.decision as ToolCallDecision | undefined;
    if (!answered || !d) return { approved: false, by: 'timer', reason: `no decision within ${this.timeoutSeconds} s` };
    return d.kind === 'approved' ? { approved: true, by: d.by } : { approved: false, by: d.by, reason: d.reason };
  }
}

/** A decision as the run sends it, checked by hand: task workflows stay zod-free. */
function readDecision(raw: unknown): ToolCallDecision | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const d = raw as Record<string, unknown>;
  if (typeof d.requestId !== 'string' || typeof d.by !== 'string') return undefined;
  if (d.kind === 'approved') return { requestId: d.requestId, kind: 'approved', by: d.by };
  if (d.kind === 'denied' && typeof d.reason === 'string') {
    return { requestId: d.requestId, kind: 'denied', by: d.by, reason: d.reason };
  }
  return undefined;
}
