import type { Client, WorkflowHandle } from '@temporalio/client';
import type { PendingApproval } from '../domain/run';
import { RUN_STATUS_ATTRIBUTE } from '../domain/search-attributes';
import { EXIT, UserError } from '../infra/errors';
import { approveBudgetSignal, denyBudgetSignal, pendingApprovalsQuery } from '../workflows/messages';

/** A person's grant of credits to a waiting task. */
export interface ApprovalRequest {
  taskId: string;
  /** Credits to add (not millicredits: the run converts). */
  credits: number;
  /** Who approves, recorded in the run's decisions. */
  by?: string;
  /** Why, recorded in the run's decisions. */
  note?: string;
}

/** A person's refusal of credits to a waiting task; the task fails with the reason. */
export interface DenialRequest {
  taskId: string;
  reason: string;
  by?: string;
}

/** The tasks of a run waiting for a person (needs a worker to answer the query). */
export async function pendingApprovalsOf(client: Client, runId: string): Promise<PendingApproval[]> {
  try {
    return await client.workflow.getHandle(runId).query(pendingApprovalsQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new UserError(`no run with id "${runId}"`);
    throw new UserError(
      `cannot read the pending approvals of ${runId}: ${(err as Error).message.split('\n')[0]}`,
      EXIT.runNotSucceeded,
    );
  }
}

async function requirePending(client: Client, runId: string, taskId: string): Promise<WorkflowHandle> {
  const pending = await pendingApprovalsOf(client, runId);
  if (!pending.some((p) => p.taskId === taskId)) {
    const waiting = pending.map((p) => p.taskId).join(', ') || 'none';
    throw new UserError(`task "${taskId}" of ${runId} is not waiting for approval (waiting: ${waiting})`);
  }
  return client.workflow.getHandle(runId);
}

/** Grants credits to a task that is waiting for approval; refuses a task that is not waiting. */
export async function approveBudget(client: Client, runId: string, request: ApprovalRequest): Promise<void> {
  const handle = await requirePending(client, runId, request.taskId);
  await handle.signal(approveBudgetSignal, request);
}

/** Refuses credits to a task that is waiting for approval; refuses a task that is not waiting. */
export async function denyBudget(client: Client, runId: string, request: DenialRequest): Promise<void> {
  const handle = await requirePending(client, runId, request.taskId);
  await handle.signal(denyBudgetSignal, request);
}

/** A task waiting for a person, with its run. */
export interface WaitingTask extends PendingApproval {
  runId: string;
}

/** Every task waiting for a person, over the namespace's running runs (found by search attribute). */
export async function listWaitingTasks(client: Client): Promise<WaitingTask[]> {
  const waiting: WaitingTask[] = [];
  const query = `${RUN_STATUS_ATTRIBUTE.name} = "awaiting_approval" AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) {
    const pending = await client.workflow.getHandle(wf.workflowId).query(pendingApprovalsQuery);
    for (const p of pending) waiting.push({ runId: wf.workflowId, ...p });
  }
  return waiting;
}
