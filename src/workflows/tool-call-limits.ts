import { condition, getExternalWorkflowHandle, log, setHandler, uuid4 } from '@temporalio/workflow';
import { TOOL_CALL_GRANT_SIZE, type ToolCallQuotaAnswer } from '../domain/tool-call-quota';
import type { WorkspacePolicy } from '../domain/workspace-policy-schema';
import { requestToolCallQuotaSignal, toolCallQuotaSignal } from './messages';

/** What a task's tool-call count carries across continue-as-new. */
export interface ToolCallCount {
  /** Calls made so far, finish not counted. */
  used: number;
  /** Calls the run granted that are not used yet (runs with a run-wide limit). */
  allowance: number;
}

/**
 * A task's side of the tool-call limits: its own (`maxToolCallsPerTask`, counted here) and the run's
 * (`maxToolCallsPerRun`, counted by the run, which grants a few calls at a time). Without either limit no message is
 * sent, so runs that set none have the histories they always had.
 */
export class TaskToolCalls {
  private answer: ToolCallQuotaAnswer | undefined;
  private awaiting: string | undefined;
  private count: ToolCallCount;

  constructor(
    private readonly ids: { runWorkflowId: string; taskId: string },
    private readonly policy: Pick<WorkspacePolicy, 'maxToolCallsPerTask' | 'maxToolCallsPerRun'>,
    restored?: ToolCallCount,
  ) {
    this.count = restored ?? { used: 0, allowance: 0 };
    setHandler(toolCallQuotaSignal, (raw: unknown) => {
      const a = raw as Partial<ToolCallQuotaAnswer> | undefined;
      const fits = typeof a?.requestId === 'string' && typeof a.granted === 'number' && typeof a.limit === 'number';
      if (!fits || a?.requestId !== this.awaiting) {
        log.warn('toolCallQuota refused: not the answer to the request this task waits on');
        return;
      }
      this.answer = a as ToolCallQuotaAnswer;
    });
  }

  get used(): number {
    return this.count.used;
  }

  state(): ToolCallCount {
    return { ...this.count };
  }

  /** Takes one call; returns why not when a limit is reached (the call must not run). */
  async take(): Promise<string | undefined> {
    const perTask = this.policy.maxToolCallsPerTask;
    if (perTask !== undefined && this.count.used >= perTask) {
      return `the task made all ${perTask} tool calls it may (maxToolCallsPerTask)`;
    }
    if (this.policy.maxToolCallsPerRun !== undefined && this.count.allowance === 0) {
      const left = perTask === undefined ? TOOL_CALL_GRANT_SIZE : perTask - this.count.used;
      const answer = await this.ask(Math.min(TOOL_CALL_GRANT_SIZE, left));
      if (answer.granted === 0) {
        return `the run's ${answer.limit} tool calls (maxToolCallsPerRun) are used up or held by running tasks`;
      }
      this.count.allowance += answer.granted;
    }
    if (this.policy.maxToolCallsPerRun !== undefined) this.count.allowance--;
    this.count.used++;
    return undefined;
  }

  private async ask(wanted: number): Promise<ToolCallQuotaAnswer> {
    const requestId = uuid4();
    this.awaiting = requestId;
    this.answer = undefined;
    await getExternalWorkflowHandle(this.ids.runWorkflowId).signal(requestToolCallQuotaSignal, {
      taskId: this.ids.taskId,
      requestId,
      wanted,
    });
    await condition(() => this.answer !== undefined);
    this.awaiting = undefined;
    return this.answer!;
  }
}
