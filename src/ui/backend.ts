import type { Client } from '@temporalio/client';
import {
  approveBudget,
  approveToolCall,
  denyBudget,
  denyToolCall,
  finishRun,
  listRuns,
  listWaiting,
  readRunDetails,
  readTaskDetails,
  retryTasks,
  type ApprovalRequest,
  type Delivered,
  type DenialRequest,
  type ListRunsOptions,
  type RunRow,
  type WaitingTask,
  type WaitingToolCall,
} from '../client';
import type { BudgetAnswer } from '../domain/approvals';
import type { RunDetails, TaskDetails } from '../domain/run-details';
import type { FinishRun, HoldAnswer, RetryTasksInput } from '../domain/task-failures';
import type { ApproveToolCall, DenyToolCall, ToolCallAnswer } from '../domain/tool-approvals';

/**
 * Everything the UI server asks of Temporal, as the client library does it: the server holds no store of its own.
 * An interface, so the server's own tests (and the 5,000-task page test) can stand in for Temporal.
 */
export interface UiBackend {
  /** The namespace the runs are in, shown on the page. */
  readonly namespace: string;
  listRuns(options: ListRunsOptions): Promise<RunRow[]>;
  listWaiting(): Promise<{ tasks: WaitingTask[]; toolCalls: WaitingToolCall[] }>;
  /** Throws UserError (exit code 2) for a run that does not exist. */
  readRun(runId: string): Promise<RunDetails>;
  /** Throws UserError (exit code 2) for a run or task that does not exist. */
  readTask(runId: string, taskId: string): Promise<TaskDetails>;
  approveBudget(runId: string, request: ApprovalRequest): Promise<Delivered<BudgetAnswer>>;
  denyBudget(runId: string, request: DenialRequest): Promise<Delivered<BudgetAnswer>>;
  approveToolCall(runId: string, request: ApproveToolCall): Promise<Delivered<ToolCallAnswer>>;
  denyToolCall(runId: string, request: DenyToolCall): Promise<Delivered<ToolCallAnswer>>;
  retryTasks(runId: string, request: RetryTasksInput): Promise<Delivered<HoldAnswer>>;
  finishRun(runId: string, request: FinishRun): Promise<Delivered<HoldAnswer>>;
}

/** How long the runs page waits for the queries that say what each waiting run waits for. */
const WAITING_DEADLINE_MS = 5_000;
/** What runs wait for is asked at most this often, however many runs pages are open (one query per waiting run). */
const WAITING_REUSE_MS = 3_000;

export function createTemporalBackend(client: Client, options: { namespace: string; webUiUrl: string }): UiBackend {
  const links = { namespace: options.namespace, webUiUrl: options.webUiUrl };
  let waiting: { at: number; answer: ReturnType<UiBackend['listWaiting']> } | undefined;
  return {
    namespace: options.namespace,
    listRuns: (o) => listRuns(client, o),
    // Queries need a worker: without one the runs page still lists the runs, from search attributes alone.
    listWaiting: () => {
      if (!waiting || Date.now() - waiting.at > WAITING_REUSE_MS) {
        const answer = client.withDeadline(Date.now() + WAITING_DEADLINE_MS, () => listWaiting(client));
        const entry = { at: Date.now(), answer };
        waiting = entry;
        // A failed answer is not kept: the next page asks again.
        answer.catch(() => {
          if (waiting === entry) waiting = undefined;
        });
      }
      return waiting.answer;
    },
    readRun: (runId) => readRunDetails(client, runId, links),
    readTask: (runId, taskId) => readTaskDetails(client, runId, taskId, links),
    approveBudget: (runId, request) => approveBudget(client, runId, request),
    denyBudget: (runId, request) => denyBudget(client, runId, request),
    approveToolCall: (runId, request) => approveToolCall(client, runId, request),
    denyToolCall: (runId, request) => denyToolCall(client, runId, request),
    retryTasks: (runId, request) => retryTasks(client, runId, request),
    finishRun: (runId, request) => finishRun(client, runId, request),
  };
}
