import { ApplicationFailure } from '@temporalio/common';
import { AGENT_CONTEXT_LOST } from '../../domain/errors';
import type { McpToolInfo } from '../../domain/mcp';
import type { Checkout } from '../../domain/workspace';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';

/** What a worker knows of a task whose checkout it holds. */
export interface HeldTask {
  runId: string;
  taskId: string;
  taskWorkflowId: string;
  checkout: Checkout;
  policy: WorkspacePolicy;
  /** The MCP tools the run recorded when it opened its workspace. */
  mcpTools?: McpToolInfo[];
  /** Where the task's work started on this worker: what its commits added since counts against its byte limit. */
  startCommit?: string;
  /** The run's setup commands: checks run on a fresh tree of the committed work with their products. */
  setup?: string[];
  /** The run's base commit: setup commands run on it, never on a tree an agent wrote. */
  base?: string;
}

/**
 * The tasks whose checkouts this worker holds, by task workflow id: recorded by prepareTaskCheckout, read by every later
 * step, so history does not repeat the checkout and the policy on each of them. A worker that restarted knows none:
 * its queue went with it, and a task asking anyway moves on to a fresh checkout.
 */
export class HeldTasks {
  private readonly tasks = new Map<string, HeldTask>();

  hold(taskWorkflowId: string, task: HeldTask): void {
    this.tasks.set(taskWorkflowId, task);
  }

  get(taskWorkflowId: string): HeldTask {
    const task = this.tasks.get(taskWorkflowId);
    if (task) return task;
    throw ApplicationFailure.create({
      type: AGENT_CONTEXT_LOST,
      message: `this worker does not hold the checkout of ${taskWorkflowId} (it restarted): the task moves on`,
      nonRetryable: true,
    });
  }

  release(taskWorkflowId: string): HeldTask | undefined {
    const task = this.tasks.get(taskWorkflowId);
    this.tasks.delete(taskWorkflowId);
    return task;
  }

  get size(): number {
    return this.tasks.size;
  }
}
