import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { suggestApproval } from '../domain/approval-suggestion';
import type { BudgetAnswer } from '../domain/approvals';
import type { PendingApproval } from '../domain/run';
import { RUN_STATUS_ATTRIBUTE } from '../domain/search-attributes';
import { taskWorkflowId } from '../domain/task-address';
import type { RunHold } from '../domain/task-failures';
import type { ApproveToolCall, DenyToolCall, PendingToolCall, ToolCallAnswer } from '../domain/tool-approvals';
import { EXIT, UserError } from '../infra/errors';
import {
  approveBudgetSignal,
  approveBudgetUpdate,
  approveToolCallSignal,
  denyBudgetSignal,
  denyBudgetUpdate,
  denyToolCallSignal,
  pendingApprovalsQuery,
  approveToolCallUpdate,
  denyToolCallUpdate,
  statusQuery,
  taskProgressQuery,
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
  /** The decision's id (default: a new UUID); a decision sent again with the same id is applied once. */
  decisionId?: string;
}

/** A person's refusal of credits to a waiting task; the task fails with the reason. */
export interface DenialRequest {
  taskId: string;
  reason: string;
  by?: string;
  groups?: string[];
  /** The decision's id (default: a new UUID); a decision sent again with the same id is applied once. */
  decisionId?: string;
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

/**
 * Each waiting task with the credits to suggest to its approver (./../domain/approval-suggestion.ts), made from the
 * task's live progress; a task whose progress cannot be read in time gets the shortfall of its next call.
 */
export async function withSuggestions(
  client: Client,
  runId: string,
  pending: readonly PendingApproval[],
): Promise<PendingApproval[]> {
  return Promise.all(
    pending.slice(0, MAX_SUGGESTIONS).map(async (p) => {
      const task = client.workflow.getHandle(taskWorkflowId(runId, p.taskId));
      const progress = await client
        .withDeadline(Date.now() + 2_000, () => task.query(taskProgressQuery))
        .catch(() => undefined);
      return { ...p, suggestion: suggestApproval({ shortfallMillicredits: p.shortfallMillicredits, progress }) };
    }),
  ).then((suggested) => [...suggested, ...pending.slice(MAX_SUGGESTIONS)]);
}

/** Most waiting tasks of one run asked for their progress at once. */
const MAX_SUGGESTIONS = 50;

/** How long a decision waits for a worker to answer its Update before it goes as a durable signal. */
const UPDATE_WAIT_MS = 5_000;

export interface DecisionOptions {
  /** How long to wait for a worker to answer the Update before sending the signal instead; default 5 s. */
  timeoutMs?: number;
}

/**
 * What became of a decision: the run's own answer, or (no worker answered in time) the same decision sent as a
 * signal, which the server keeps in the run's history until a worker applies it.
 */
export type Delivered<A> =
  | ({ delivery: 'answered'; decisionId: string } & A)
  | { delivery: 'signalled'; decisionId: string; waitedMs: number; unanswered: string };

/**
 * Sends a person's decision under an id the client chose: as an Update with that id (the caller gets the run's
 * answer: accepted, or refused with its reason, also recorded in the run), and when no worker answers within the
 * wait, as a signal with the same id. An Update no worker has taken is not in the run's history and a server restart
 * loses it; the signal is durable. Both may reach the run: it applies the id once and records the other as a
 * duplicate. A closed or unknown run is the caller's mistake, named as such.
 */
export async function decide<P extends { decisionId?: string | undefined }, A>(
  client: Client,
  runId: string,
  message: P,
  definitions: { update: UpdateDefinition<A, [P]>; signal: SignalDefinition<[P]> },
  timeoutMs = UPDATE_WAIT_MS,
): Promise<Delivered<A>> {
  const handle = client.workflow.getHandle(runId);
  const decisionId = message.decisionId ?? randomUUID();
  const payload = { ...message, decisionId };
  const started = Date.now();
  try {
    // Without a worker the SDK would wait for the Update's answer forever: it gets the bound, then the signal goes.
    const answer = await client.withDeadline(started + timeoutMs, () =>
      handle.executeUpdate(definitions.update, { args: [payload], updateId: decisionId }),
    );
    return { delivery: 'answered', decisionId, ...answer };
  } catch (err) {
    // The SDK reports an update to a closed run as "not found" too: the run's description tells which it is.
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (status === undefined) throw new UserError(`no run with id "${runId}"`);
    if (status !== 'RUNNING') {
      throw new UserError(`run ${runId} has ended (${status.toLowerCase()}); it takes no more decisions`);
    }
    const unanswered = (err as Error).message.split('\n')[0] ?? '';
    await handle.signal(definitions.signal, payload);
    return { delivery: 'signalled', decisionId, waitedMs: Date.now() - started, unanswered };
  }
}

/** Grants credits to a task waiting for approval; the answer is the run's (refused: not waiting, bad amount, …). */
export function approveBudget(
  client: Client,
  runId: string,
  request: ApprovalRequest,
  options: DecisionOptions = {},
): Promise<Delivered<BudgetAnswer>> {
  const definitions = { update: approveBudgetUpdate, signal: approveBudgetSignal };
  return decide(client, runId, request, definitions, options.timeoutMs);
}

/** Refuses credits to a task waiting for approval; the task fails with the reason. The answer is the run's. */
export function denyBudget(
  client: Client,
  runId: string,
  request: DenialRequest,
  options: DecisionOptions = {},
): Promise<Delivered<BudgetAnswer>> {
  return decide(client, runId, request, { update: denyBudgetUpdate, signal: denyBudgetSignal }, options.timeoutMs);
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

/** A run holding for a person because tasks failed (retry or finish it). */
export interface HoldingRun {
  runId: string;
  hold: RunHold;
}

/**
 * Everything waiting for a person across the namespace: tasks short of credits, gated tool calls, and runs holding
 * for their failed tasks.
 */
export async function listWaiting(
  client: Client,
): Promise<{ tasks: WaitingTask[]; toolCalls: WaitingToolCall[]; holding: HoldingRun[] }> {
  const tasks: WaitingTask[] = [];
  const toolCalls: WaitingToolCall[] = [];
  const holding: HoldingRun[] = [];
  const query = `${RUN_STATUS_ATTRIBUTE.name} IN ("awaiting_approval", "holding") AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) {
    const view = await client.workflow.getHandle(wf.workflowId).query(statusQuery);
    for (const p of await withSuggestions(client, wf.workflowId, view.pendingApprovals)) {
      tasks.push({ runId: wf.workflowId, ...p });
    }
    for (const c of view.pendingToolCalls ?? []) toolCalls.push({ runId: wf.workflowId, ...c });
    if (view.holding) holding.push({ runId: wf.workflowId, hold: view.holding });
  }
  return { tasks, toolCalls, holding };
}

/** Lets a waiting tool call run; the answer is the run's own (refused: not waiting, not an approver…). */
export function approveToolCall(
  client: Client,
  runId: string,
  request: ApproveToolCall,
  options: DecisionOptions = {},
): Promise<Delivered<ToolCallAnswer>> {
  const definitions = { update: approveToolCallUpdate, signal: approveToolCallSignal };
  return decide(client, runId, request, definitions, options.timeoutMs);
}

/** Refuses a waiting tool call; the agent reads the reason as the tool's result and goes on. */
export function denyToolCall(
  client: Client,
  runId: string,
  request: DenyToolCall,
  options: DecisionOptions = {},
): Promise<Delivered<ToolCallAnswer>> {
  const definitions = { update: denyToolCallUpdate, signal: denyToolCallSignal };
  return decide(client, runId, request, definitions, options.timeoutMs);
}
