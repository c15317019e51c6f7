import { z } from 'zod';
import { DecisionId } from './approvals';
import { MAX_REVIEW_ROUNDS } from './limits';

/**
 * What a run does when a task fails for good (its review rounds used up, its checks failing, a limit hit): hold for a
 * person, finish with what it has, or stop. The messages a person sends a holding run (retry, finish), what the run
 * records of them, and which tasks a retry resets.
 */

export const OnTaskFailure = z
  .enum(['hold', 'finish', 'stop'])
  .describe(
    'hold: the rest goes on, then the run waits for a person to retry or finish; finish: dependents are skipped and the run ends when nothing else can run; stop: nothing new starts and running tasks are cancelled',
  );
export type OnTaskFailure = z.infer<typeof OnTaskFailure>;

/** How long a run holds for a person before it finishes as `finish` would, unless its input says otherwise. */
export const DEFAULT_HOLD_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** Longest feedback a person may give a retried task: it goes into the task's prompt. */
export const MAX_RETRY_FEEDBACK_CHARS = 4000;

const who = {
  by: z.string().max(200).optional().describe('Who decides, for the audit trail and the approver list'),
  groups: z
    .array(z.string().min(1).max(100))
    .max(20)
    .optional()
    .describe("The decider's groups, as an authenticating front end knows them; matched against group: entries"),
  decisionId: DecisionId,
};

/** Payload of the `retryTasks` Update and signal: run failed tasks again, with their dependents. */
export const RetryTasks = z
  .object({
    taskIds: z
      .array(z.string().min(1).max(100))
      .max(500)
      .default([])
      .describe('Tasks to run again: failed ones, or ones skipped because a dependency failed (which retries it)'),
    allFailed: z.boolean().default(false).describe('Retry every failed task of the run'),
    feedback: z
      .string()
      .max(MAX_RETRY_FEEDBACK_CHARS)
      .optional()
      .describe("A person's word for the retried tasks' next round, shown beside the reviewer's last"),
    credits: z
      .number()
      .positive()
      .finite()
      .optional()
      .describe("Credits approved for the retry, added to the run's pool (the approver list and its caps apply)"),
    rounds: z
      .number()
      .int()
      .min(1)
      .max(MAX_REVIEW_ROUNDS)
      .optional()
      .describe("Review rounds of the new attempt; default: the run's maxReviewRounds"),
    fromBase: z
      .boolean()
      .default(false)
      .describe("Acting tasks: start again from the run's base, not from the last attempt's branch head"),
    ...who,
  })
  .refine((r) => r.allFailed || r.taskIds.length > 0, { message: 'name the tasks to retry, or set allFailed' });
export type RetryTasks = z.infer<typeof RetryTasks>;
export type RetryTasksInput = z.input<typeof RetryTasks>;

/** Payload of the `finishRun` Update and signal: end a holding run with what it has. */
export const FinishRun = z.object({
  reason: z.string().max(2000).optional().describe('Why, for the audit trail'),
  ...who,
});
export type FinishRun = z.infer<typeof FinishRun>;

/** The run's answer to a retry or a finish. */
export interface HoldAnswer {
  accepted: boolean;
  /** Tasks reset to pending (retry), in plan order. */
  taskIds: string[];
  /** Why the run refused, when it did. */
  reason?: string;
  /** The same decision id was already taken: this is its first answer again. */
  duplicate?: boolean;
}

/** One decision about the run's failed tasks, in the audit trail. */
export const HoldDecision = z.object({
  decision: z
    .enum(['retry', 'finish', 'timed-out', 'refused', 'duplicate'])
    .describe('retry: tasks reset to pending; finish: the run ends with what it has; timed-out: the hold ran out'),
  taskIds: z.array(z.string()).describe('Tasks the decision reset (retry) or was about'),
  by: z.string().describe('Who decided: a person, or "timer"'),
  note: z.string().optional().describe("The person's feedback or reason, or the run's reason for a refusal"),
  millicredits: z.number().int().optional().describe('Credits approved with a retry, in thousandths'),
  rounds: z.number().int().optional().describe("Review rounds given to the retried attempt, when not the run's"),
  at: z.string().describe('ISO time of the decision (workflow time)'),
  decisionId: z.string().optional().describe("The id the person's client gave the decision"),
});
export type HoldDecision = z.infer<typeof HoldDecision>;

/** What a retried task is given for its next attempt; kept until that attempt ends. */
export const RetryDirective = z.object({
  attempt: z.number().int().min(2).describe('Number of the attempt this directive starts'),
  feedback: z
    .object({ by: z.string(), text: z.string() })
    .optional()
    .describe("The person's feedback for the attempt's first round"),
  previousFailure: z.string().optional().describe("Why the previous attempt failed (the reviewer's last word)"),
  rounds: z.number().int().optional().describe("Review rounds of the attempt, when not the run's"),
  fromBase: z.boolean().optional().describe("Acting tasks: start from the run's base"),
});
export type RetryDirective = z.infer<typeof RetryDirective>;

/** An earlier attempt of a task, kept when the task is retried (its spend stays the run's). */
export const TaskAttempt = z.object({
  attempt: z.number().int().describe('Attempt number, from 1'),
  status: z.string().describe('How it ended'),
  error: z.string().optional().describe('Why it failed'),
  allocatedMillicredits: z.number().int().describe('Its allocation, in thousandths'),
  grantedMillicredits: z.number().int().describe('Credits granted to it, in thousandths'),
  spentMillicredits: z.number().int().describe('Credits it spent, in thousandths'),
  reviewRounds: z.number().int().describe('Review rounds it used'),
  modelCalls: z.number().int().describe('Model calls it made'),
  startedAt: z.string().optional().describe('ISO start time'),
  finishedAt: z.string().optional().describe('ISO end time'),
});
export type TaskAttempt = z.infer<typeof TaskAttempt>;

/** A run holding for a person, as `status` shows it. */
export const RunHold = z.object({
  since: z.string().describe('ISO time the run started holding'),
  until: z.string().describe('ISO time the hold runs out and the run finishes with what it has'),
  failed: z
    .array(z.object({ taskId: z.string(), error: z.string(), attempt: z.number().int() }))
    .describe('The failed tasks, with why and their attempt number'),
});
export type RunHold = z.infer<typeof RunHold>;

/** A task as the retry scope reads it. */
export interface RetryableTask {
  id: string;
  deps: readonly string[];
  status: string;
}

/**
 * The tasks a retry resets, in plan order: the failed tasks named (a skipped task named brings the failed tasks it was
 * skipped because of), and every transitive dependent skipped because of them whose other dependencies can still
 * succeed. A dependent also blocked by a failure the retry leaves alone stays skipped. An error names what is wrong.
 */
export function retryScope(
  tasks: readonly RetryableTask[],
  request: { taskIds: readonly string[]; allFailed: boolean },
): { ok: true; taskIds: string[] } | { ok: false; error: string } {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of t.deps) dependents.get(d)?.push(t.id);
  const roots = new Set<string>(request.allFailed ? tasks.filter((t) => t.status === 'failed').map((t) => t.id) : []);
  for (const id of request.taskIds) {
    const task = byId.get(id);
    if (!task) {
      const known = tasks.slice(0, 20).map((t) => t.id);
      return { ok: false, error: `unknown task "${id}"; tasks of this run: ${known.join(', ')}` };
    }
    if (task.status === 'failed') roots.add(id);
    else if (task.status === 'skipped') {
      const causes = failedAncestors(task, byId);
      if (causes.length === 0) return { ok: false, error: `task "${id}" was skipped, but not because a task failed` };
      for (const c of causes) roots.add(c);
    } else {
      return {
        ok: false,
        error: `task "${id}" is ${task.status}: only a failed task, or one skipped because a dependency failed, can be retried`,
      };
    }
  }
  if (roots.size === 0) return { ok: false, error: 'no task of this run has failed' };
  const reset = new Set(roots);
  // A skipped dependent comes back once every dependency is back or fine; checked again whenever one comes back.
  const canRun = (id: string) =>
    byId
      .get(id)!
      .deps.every(
        (d) => reset.has(d) || ['succeeded', 'pending', 'running', 'awaiting_approval'].includes(byId.get(d)!.status),
      );
  const queue = [...roots];
  while (queue.length > 0) {
    for (const next of dependents.get(queue.pop()!) ?? []) {
      if (reset.has(next) || byId.get(next)!.status !== 'skipped' || !canRun(next)) continue;
      reset.add(next);
      queue.push(next);
    }
  }
  return { ok: true, taskIds: tasks.filter((t) => reset.has(t.id)).map((t) => t.id) };
}

/** The failed tasks upstream of a skipped one, through skipped tasks only. */
function failedAncestors(task: RetryableTask, byId: ReadonlyMap<string, RetryableTask>): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const stack = [...task.deps];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const dep = byId.get(id);
    if (dep?.status === 'failed') found.add(id);
    else if (dep?.status === 'skipped') stack.push(...dep.deps);
  }
  return [...found];
}
