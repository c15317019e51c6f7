import { uuid4 } from '@temporalio/workflow';
import type { TaskProgress } from '../../domain/task-progress';
import type { ToolCallQuotaRequest } from '../../domain/tool-approvals';
import { TOOL_CALL_GRANT_SIZE, type ToolCallQuotaAnswer } from '../../domain/tool-call-quota';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import { toolCallQuotaRequests } from './protocols';
import { RunRequests } from './run-requests';

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
  private readonly requests: RunRequests<ToolCallQuotaRequest, ToolCallQuotaAnswer>;
  private count: ToolCallCount;

  constructor(
    private readonly ids: { runWorkflowId: string; taskId: string },
    private readonly policy: Pick<WorkspacePolicy, 'maxToolCallsPerTask' | 'maxToolCallsPerRun'>,
    progress: TaskProgress,
    restored?: ToolCallCount,
  ) {
    this.count = restored ?? { used: 0, allowance: 0 };
    // Since the one channel, a stray or forged quota answer is counted in refusedSignals like the others' (it was
    // only logged before).
    this.requests = new RunRequests(ids.runWorkflowId, toolCallQuotaRequests, progress);
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
    const answer = await this.requests.ask(requestId, { taskId: this.ids.taskId, requestId, wanted });
    return answer!;
  }
}
