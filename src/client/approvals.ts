import type { Client, WorkflowHandle } from '@temporalio/client';
import type { BudgetAnswer } from '../domain/approvals';
import type { PendingApproval } from '../domain/run';
import { RUN_STATUS_ATTRIBUTE } from '../domain/search-attributes';
import type { ApproveToolCall, DenyToolCall, PendingToolCall, ToolCallAnswer } from '../domain/tool-approvals';
import { EXIT, UserError } from '../infra/errors';
import {
  approveBudgetUpdate,
  denyBudgetUpdate,
  pendingApprovalsQuery,
  approveToolCallUpdate,
  denyToolCallUpdate,
  statusQuery,
} from '../workflows/messages';

/** A person's grant of credits to a waiting task. */
export interface ApprovalRequest {
  taskId: string;
  /** Credits to add (not millicredits: the run converts). */
  credits: number;
  /** Who approves, recorded in the run's decisions and checked against its approver list. */
  by?: string;
  /** The approver's groups, for "group:<name>" entries of the approver list. */
  groups?: string[];
  /** Why, recorded in the run's decisions. */
  note?: string;
}

/** A person's refusal of credits to a waiting task; the task fails with the reason. */
export interface DenialRequest {
  taskId: string;
  reason: string;
  by?: string;
  groups?: string[];
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

/** How long an approval or denial waits for the run's answer: a worker must be running to give one. */
const DECISION_TIMEOUT_MS = 30_000;

/**
 * Sends a decision as an Update and returns the run's own answer: accepted, or refused with the run's reason (also
 * recorded in the run). A closed or unknown run is the caller's mistake, named as such.
 */
async function decide<A>(
  client: Client,
  runId: string,
  send: (handle: WorkflowHandle) => Promise<A>,
  timeoutMs = DECISION_TIMEOUT_MS,
): Promise<A> {
  const handle = client.workflow.getHandle(runId);
  try {
    // Without a worker the SDK would retry the Update forever: the run answers within the bound, or not at all.
    return await client.withDeadline(Date.now() + timeoutMs, () => send(handle));
  } catch (err) {
    // The SDK reports an update to a closed run as "not found" too: the run's description tells which it is.
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (status === undefined) throw new UserError(`no run with id "${runId}"`);
    if (status !== 'RUNNING') {
      throw new UserError(`run ${runId} has ended (${status.toLowerCase()}); nothing waits for approval`);
    }
    const message = (err as Error).message.split('\n')[0] ?? '';
    // The server keeps an Update it admitted: a worker that starts later still applies it.
    throw new UserError(
      `no worker answered within ${timeoutMs / 1000} s (${message}); the decision waits at the server and is ` +
        'applied when a worker runs (`npm run worker`); check with `planwright status` instead of sending it again',
      EXIT.runNotSucceeded,
    );
  }
}

/** Grants credits to a task waiting for approval; the answer is the run's (refused: not waiting, bad amount, …). */
export function approveBudget(
  client: Client,
  runId: string,
  request: ApprovalRequest,
  options: DecisionOptions = {},
): Promise<BudgetAnswer> {
  const send = (handle: WorkflowHandle) => handle.executeUpdate(approveBudgetUpdate, { args: [request] });
  return decide(client, runId, send, options.timeoutMs);
}

/** Refuses credits to a task waiting for approval; the task fails with the reason. The answer is the run's. */
export function denyBudget(
  client: Client,
  runId: string,
  request: DenialRequest,
  options: DecisionOptions = {},
): Promise<BudgetAnswer> {
  const send = (handle: WorkflowHandle) => handle.executeUpdate(denyBudgetUpdate, { args: [request] });
  return decide(client, runId, send, options.timeoutMs);
}

export interface DecisionOptions {
  /** How long to wait for the run's answer; default 30 s. */
  timeoutMs?: number;
}

/** A task waiting for a person, with its run. */
export interface WaitingTask extends PendingApproval {
  runId: string;
}

/** Every task waiting for a person, over the namespace's running runs (found by search attribute). */
export async function listWaitingTasks(client: Client): Promise<WaitingTask[]> {
  return (await listWaiting(client)).tasks;
}

/** A tool call waiting for a person, with its run. */
export interface WaitingToolCall extends PendingToolCall {
  runId: string;
}

/** Everything waiting for a person across the namespace: tasks short of credits and gated tool calls. */
export async function listWaiting(client: Client): Promise<{ tasks: WaitingTask[]; toolCalls: WaitingToolCall[] }> {
  const tasks: WaitingTask[] = [];
  const toolCalls: WaitingToolCall[] = [];
  const query = `${RUN_STATUS_ATTRIBUTE.name} = "awaiting_approval" AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) {
    const view = await client.workflow.getHandle(wf.workflowId).query(statusQuery);
    for (const p of view.pendingApprovals) tasks.push({ runId: wf.workflowId, ...p });
    for (const c of view.pendingToolCalls ?? []) toolCalls.push({ runId: wf.workflowId, ...c });
  }
  return { tasks, toolCalls };
}

/** Lets a waiting tool call run; the answer is the run's own (refused: not waiting, not an approver…). */
export function approveToolCall(
  client: Client,
  runId: string,
  request: ApproveToolCall,
  options: DecisionOptions = {},
): Promise<ToolCallAnswer> {
  const send = (handle: WorkflowHandle) => handle.executeUpdate(approveToolCallUpdate, { args: [request] });
  return decide(client, runId, send, options.timeoutMs);
}

/** Refuses a waiting tool call; the agent reads the reason as the tool's result and goes on. */
export function denyToolCall(
  client: Client,
  runId: string,
  request: DenyToolCall,
  options: DecisionOptions = {},
): Promise<ToolCallAnswer> {
  const send = (handle: WorkflowHandle) => handle.executeUpdate(denyToolCallUpdate, { args: [request] });
  return decide(client, runId, send, options.timeoutMs);
}
