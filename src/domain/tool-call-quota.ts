/**
 * The run-wide tool-call limit (`maxToolCallsPerRun`), shared by tasks that run at once on any number of workers.
 * The run owns the count: a task asks for a few calls at a time and gets at most what is left, so the run never grants
 * more than its limit in total. A task that ends settles its grant with what it used; the unused rest goes back. A task
 * that ends without saying (an older worker, a crash) counts its whole grant as used: the limit is never exceeded.
 * Zod-free on purpose: task workflows load it. The request's schema is in ./tool-approvals.ts, with the run's other
 * tool-call messages.
 */

/** Calls a task asks for at once: few enough that idle grants do not starve other tasks, enough to save messages. */
export const TOOL_CALL_GRANT_SIZE = 5;

/** The run's answer; `granted` 0 means the run's limit is used up. */
export interface ToolCallQuotaAnswer {
  requestId: string;
  granted: number;
  /** The run's limit, for the task's message. */
  limit: number;
}

/** What the run carries across continue-as-new. */
export interface ToolCallQuotaState {
  /** Calls granted to running tasks, by task id. */
  outstanding: Record<string, number>;
  /** Calls used by tasks that ended. */
  settled: number;
}

export class ToolCallQuota {
  private readonly outstanding = new Map<string, number>();
  private settled = 0;

  constructor(state?: ToolCallQuotaState) {
    if (!state) return;
    for (const [taskId, calls] of Object.entries(state.outstanding)) this.outstanding.set(taskId, calls);
    this.settled = state.settled;
  }

  /**
   * Grants `taskId` up to `wanted` calls of what `limit` leaves; 0 when nothing is left. Near the limit the grants
   * shrink to a share of what is left per open task (one call at the least), so that calls granted but not yet made
   * never make another task believe the limit is used up.
   */
  grant(taskId: string, wanted: number, limit: number, openTasks: number): number {
    const left = Math.max(0, limit - this.committed());
    const share = Math.max(1, Math.floor(left / (2 * Math.max(1, openTasks))));
    const granted = Math.min(wanted, share, left);
    if (granted > 0) this.outstanding.set(taskId, (this.outstanding.get(taskId) ?? 0) + granted);
    return granted;
  }

  /** A task ended having made `used` calls (unknown: its whole grant counts). */
  settle(taskId: string, used: number | undefined): void {
    const grant = this.outstanding.get(taskId);
    if (grant === undefined) return;
    this.outstanding.delete(taskId);
    this.settled += used === undefined ? grant : Math.min(Math.max(used, 0), grant);
  }

  /** Calls used by ended tasks plus those granted to running ones: what the limit is checked against. */
  committed(): number {
    let total = this.settled;
    for (const calls of this.outstanding.values()) total += calls;
    return total;
  }

  /** The state to carry across continue-as-new; undefined while nothing was ever granted. */
  state(): ToolCallQuotaState | undefined {
    if (this.settled === 0 && this.outstanding.size === 0) return undefined;
    return { outstanding: Object.fromEntries(this.outstanding), settled: this.settled };
  }
}
