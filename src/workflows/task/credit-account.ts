import { ActivityFailure, patched, TimeoutFailure, uuid4 } from '@temporalio/workflow';
import type { MeteredResult } from '../../domain/activity-contracts';
import type { CreditDecision, CreditRequest } from '../../domain/approvals';
import { formatCredits } from '../../domain/credits';
import { TASK_APPROVAL_TIMEOUT, TASK_BUDGET_DENIED } from '../../domain/errors';
import { readSpendDetails } from '../../domain/failure-details';
import type { TaskProgress } from '../../domain/task-progress';
import { creditRequests } from './protocols';
import { RunRequests } from './run-requests';
import { TaskStop } from './task-stop';

/**
 * A task's credits: what it may spend (allocation, lease and grants: `progress.availableMillicredits`), what it spent,
 * and asking its run for the shortfall when the next call does not fit. Every model call and priced tool call goes
 * through here, so a task never spends what it was not given.
 */
export class CreditAccount {
  private readonly requests: RunRequests<CreditRequest, CreditDecision>;

  constructor(
    private readonly task: { runWorkflowId: string; taskId: string; approvalTimeoutSeconds?: number | undefined },
    private readonly progress: TaskProgress,
    /** Credits the run granted so far (carried across continue-as-new). */
    public granted = 0,
  ) {
    this.requests = new RunRequests(task.runWorkflowId, creditRequests, progress);
  }

  get availableMillicredits(): number {
    return this.progress.availableMillicredits - this.progress.spentMillicredits;
  }

  /** Books a call's spend. */
  charge(r: { spentMillicredits: number; calls: unknown[] }): void {
    this.progress.spentMillicredits += r.spentMillicredits;
    this.progress.modelCalls += r.calls.length;
  }

  /** Runs a metered activity until it fits the task's credits, asking the run for more as often as needed. */
  async metered<T>(call: (available: number) => Promise<MeteredResult<T>>): Promise<T> {
    for (;;) {
      const result = await call(this.availableMillicredits).catch((err: unknown) => {
        this.chargeFailedCall(err);
        throw err;
      });
      this.charge(result);
      if (result.kind === 'ok') return result.value;
      await this.waitForCredits(result.shortfallMillicredits);
    }
  }

  /** Charges a fixed price, asking the run for the shortfall first as often as needed. */
  async chargeFixed(millicredits: number): Promise<void> {
    for (;;) {
      const shortfall = millicredits - this.availableMillicredits;
      if (shortfall <= 0) break;
      await this.waitForCredits(shortfall);
    }
    this.progress.spentMillicredits += millicredits;
  }

  /**
   * Calls that failed after the provider billed them are charged too (their spend rides in the failure details, or in
   * the last heartbeat of an activity whose worker died). Histories recorded before the latter replay without it.
   */
  private chargeFailedCall(err: unknown): void {
    if (!(err instanceof ActivityFailure)) return;
    if (err.cause instanceof TimeoutFailure && !patched('charge-timed-out-calls')) return;
    const spend = readSpendDetails(err);
    if (spend?.spentMillicredits) this.charge(spend);
  }

  private async waitForCredits(shortfallMillicredits: number): Promise<void> {
    const phase = this.progress.phase;
    this.progress.phase = 'awaiting_approval';
    // Histories recorded before request ids replay without them.
    const requestId = patched('credit-request-ids') ? uuid4() : undefined;
    const { approvalTimeoutSeconds } = this.task;
    const decision = await this.requests.ask(
      requestId,
      { taskId: this.task.taskId, shortfallMillicredits, ...(requestId ? { requestId } : {}) },
      approvalTimeoutSeconds !== undefined ? approvalTimeoutSeconds * 1000 : undefined,
    );
    this.progress.phase = phase;
    if (!decision) {
      throw new TaskStop(
        TASK_APPROVAL_TIMEOUT,
        `no decision on ${formatCredits(shortfallMillicredits)} more credits within ${approvalTimeoutSeconds} s`,
      );
    }
    if (decision.kind === 'denied') throw new TaskStop(TASK_BUDGET_DENIED, `credits denied: ${decision.reason}`);
    this.granted += decision.millicredits;
    this.progress.availableMillicredits += decision.millicredits;
  }
}
