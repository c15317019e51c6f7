import { z } from 'zod';
import { formatCredits } from './credits';
import type { RunStatus } from './run';
import type { RunWait } from './run-wait';
import type { RunHold } from './task-failures';

/**
 * What a worker POSTs to the configured webhook when a person is needed or a run ends. `text` is a ready-made
 * sentence, so Slack-style incoming webhooks show it as is; the other fields are for programs.
 */
export const RunNotification = z.object({
  event: z
    .enum([
      'approval_needed',
      'tool_call_approval_needed',
      'workspace_worker_needed',
      'task_failed_waiting',
      'run_ended',
    ])
    .describe('Why the message was sent'),
  runId: z.string().describe('Workflow id of the run'),
  goal: z.string().describe('Goal of the run, shortened'),
  taskId: z.string().optional().describe('Task waiting for credits (approval_needed)'),
  taskTitle: z.string().optional().describe('Title of that task (approval_needed)'),
  shortfallMillicredits: z
    .number()
    .int()
    .optional()
    .describe("Credits the task's next call is missing, in thousandths (approval_needed)"),
  toolCall: z
    .object({
      requestId: z.string().describe('What a person approves or denies'),
      server: z.string().describe('The MCP server'),
      tool: z.string().describe('The tool'),
      arguments: z.string().describe('The arguments as JSON, shortened'),
    })
    .optional()
    .describe('The call waiting for a person (tool_call_approval_needed)'),
  failedTasks: z
    .array(z.object({ taskId: z.string().describe('Task id'), error: z.string().describe('Why it failed, shortened') }))
    .optional()
    .describe('The failed tasks the run holds for (task_failed_waiting)'),
  holdUntil: z.string().optional().describe('ISO time the hold runs out and the run finishes (task_failed_waiting)'),
  status: z.string().optional().describe('How the run ended (run_ended)'),
  spentMillicredits: z.number().int().optional().describe('Credits the run spent, in thousandths (run_ended)'),
  budgetMillicredits: z.number().int().optional().describe('Budget of the run, in thousandths (run_ended)'),
  at: z.string().describe('ISO time of the event (workflow time)'),
  text: z.string().describe('The message for people, with the command to act on it'),
});
export type RunNotification = z.infer<typeof RunNotification>;

const shorten = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function approvalNeeded(n: {
  runId: string;
  goal: string;
  taskId: string;
  taskTitle: string;
  shortfallMillicredits: number;
  at: string;
}): RunNotification {
  const needs = formatCredits(n.shortfallMillicredits);
  return {
    event: 'approval_needed',
    runId: n.runId,
    goal: shorten(n.goal),
    taskId: n.taskId,
    taskTitle: n.taskTitle,
    shortfallMillicredits: n.shortfallMillicredits,
    at: n.at,
    text:
      `Planwright run ${n.runId}: task ${n.taskId} ("${shorten(n.taskTitle, 80)}") needs ${needs} more credits and waits ` +
      `for approval. Approve: planwright approve ${n.runId} ${n.taskId} --credits ${Math.ceil(n.shortfallMillicredits / 1000)} ` +
      `· deny: planwright deny ${n.runId} ${n.taskId} --reason "..."`,
  };
}

export function toolCallNeedsApproval(n: {
  runId: string;
  goal: string;
  request: { requestId: string; taskId: string; server: string; tool: string; arguments: string };
  at: string;
}): RunNotification {
  const { requestId, taskId, server, tool } = n.request;
  return {
    event: 'tool_call_approval_needed',
    runId: n.runId,
    goal: shorten(n.goal),
    taskId,
    toolCall: { requestId, server, tool, arguments: shorten(n.request.arguments, 500) },
    at: n.at,
    text:
      `Planwright run ${n.runId}: task ${taskId} wants to call ${server}.${tool} with ${shorten(n.request.arguments, 200)} ` +
      `and waits for approval. Approve: planwright approve-tool ${n.runId} ${requestId} ` +
      `· deny: planwright deny-tool ${n.runId} ${requestId} --reason "..."`,
  };
}

/** No worker has taken the run's workspace work for a while: an operator must start one (or fix its sandbox). */
export function workspaceWorkerNeeded(n: { runId: string; goal: string; wait: RunWait }): RunNotification {
  return {
    event: 'workspace_worker_needed',
    runId: n.runId,
    goal: shorten(n.goal),
    at: n.wait.since,
    text: `Planwright run ${n.runId} waits for a worker: ${n.wait.text}`,
  };
}

export function taskFailedWaiting(n: { runId: string; goal: string; hold: RunHold }): RunNotification {
  const failed = n.hold.failed.map((f) => ({ taskId: f.taskId, error: shorten(f.error, 300) }));
  const ids = failed.map((f) => f.taskId);
  return {
    event: 'task_failed_waiting',
    runId: n.runId,
    goal: shorten(n.goal),
    ...(ids.length === 1 ? { taskId: ids[0] } : {}),
    failedTasks: failed,
    holdUntil: n.hold.until,
    at: n.hold.since,
    text:
      `Planwright run ${n.runId} holds: ${ids.length === 1 ? `task ${ids[0]} failed` : `tasks ${ids.join(', ')} failed`} ` +
      `(${failed[0]?.error ?? 'failed'}) and nothing else can run. Retry: planwright retry ${n.runId} ${ids.join(' ')} ` +
      `--feedback "..." · finish with what it has: planwright finish ${n.runId} · it finishes by itself at ${n.hold.until}`,
  };
}

export function runEnded(n: {
  runId: string;
  goal: string;
  status: RunStatus;
  counts: Record<string, number>;
  spentMillicredits: number;
  budgetMillicredits: number;
  at: string;
}): RunNotification {
  const tasks = Object.entries(n.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return {
    event: 'run_ended',
    runId: n.runId,
    goal: shorten(n.goal),
    status: n.status,
    spentMillicredits: n.spentMillicredits,
    budgetMillicredits: n.budgetMillicredits,
    at: n.at,
    text:
      `Planwright run ${n.runId} ${n.status}: ${tasks || 'no tasks'}; spent ${formatCredits(n.spentMillicredits)} of ` +
      `${formatCredits(n.budgetMillicredits)} credits. Report: planwright status ${n.runId}`,
  };
}
