import { z } from 'zod';
import type { RunStatus, RunView, TaskStatus } from './run';

/**
 * One line of a run's progress log (JSON Lines): what a follower saw change between two looks at the run. Times are
 * the workflow's own where it recorded one (a task's start and end, a decision, a wait), so a log written by a
 * follower that started late or looked only every few seconds still tells when things happened.
 */
export const ProgressEvent = z.object({
  at: z.string().describe('ISO time it happened (the workflow time where known, else when the follower saw it)'),
  type: z
    .enum([
      'run.started',
      'run.waiting',
      'run.holding',
      'task.started',
      'task.ended',
      'task.awaiting_approval',
      'budget.decision',
      'run.ended',
    ])
    .describe('What happened'),
  runId: z.string().describe('Workflow id of the run'),
  status: z.string().optional().describe('Status the run (run.ended) or the task (task.ended) ended with'),
  goal: z.string().optional().describe('Goal of the run (run.started)'),
  taskId: z.string().optional().describe('Task concerned'),
  agentType: z.string().optional().describe('Agent type of the task'),
  reviewRounds: z.number().int().optional().describe('Rounds the task used (task.ended)'),
  modelCalls: z.number().int().optional().describe('Model calls the task made (task.ended)'),
  spentMillicredits: z.number().int().optional().describe('Credits the task spent, in thousandths (task.ended)'),
  runSpentMillicredits: z.number().int().optional().describe('Credits the whole run spent, in thousandths (run.ended)'),
  shortfallMillicredits: z
    .number()
    .int()
    .optional()
    .describe('Credits the task still needs, in thousandths (task.awaiting_approval)'),
  decision: z.string().optional().describe('approved, denied, auto-approved, timed-out or rejected (budget.decision)'),
  millicredits: z.number().int().optional().describe('Credits granted, in thousandths (budget.decision)'),
  by: z.string().optional().describe('Who decided (budget.decision)'),
  reason: z
    .string()
    .optional()
    .describe(
      'Why a task failed or was skipped, the note of a decision, what the run waits for (run.waiting), or which tasks failed (run.holding)',
    ),
  attempt: z.number().int().optional().describe('Attempt number of a retried task (task.started, task.ended)'),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

const ENDED: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);
const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'partial', 'failed', 'cancelled']);

/**
 * Turns successive views of one run into the events between them. Each task yields `task.started` once and
 * `task.ended` once, even when a follower first sees it already ended; a wait for approval yields one event per
 * wait; each budget decision one. Events of one look come out in time order.
 */
export class ProgressTracker {
  private runStarted = false;
  private runEnded = false;
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();
  private readonly waits = new Set<string>();
  private decisionsSeen = 0;
  private runWaitSeen: string | undefined;
  private holdSeen: string | undefined;

  constructor(private readonly runId: string) {}

  next(view: RunView, observedAt: string): ProgressEvent[] {
    const base = { runId: this.runId };
    const events: ProgressEvent[] = [];
    const opening: ProgressEvent[] = [];
    if (!this.runStarted) {
      this.runStarted = true;
      opening.push({ ...base, at: view.startedAt, type: 'run.started', goal: view.goal });
    }
    for (const t of view.tasks) {
      // A retried task starts and ends once per attempt.
      const key = t.attempt ? `${t.id}#${t.attempt}` : t.id;
      const task = { ...base, taskId: t.id, agentType: t.agentType, ...(t.attempt ? { attempt: t.attempt } : {}) };
      if (t.startedAt && !this.started.has(key)) {
        this.started.add(key);
        events.push({ ...task, at: t.startedAt, type: 'task.started' });
      }
      if (ENDED.has(t.status) && !this.ended.has(key)) {
        this.ended.add(key);
        events.push({
          ...task,
          at: t.finishedAt ?? observedAt,
          type: 'task.ended',
          status: t.status,
          reviewRounds: t.reviewRounds,
          modelCalls: t.modelCalls,
          spentMillicredits: t.spentMillicredits,
          ...(t.error ? { reason: t.error } : {}),
        });
      }
    }
    if (view.waitingFor && this.runWaitSeen !== view.waitingFor.since) {
      this.runWaitSeen = view.waitingFor.since;
      events.push({ ...base, at: view.waitingFor.since, type: 'run.waiting', reason: view.waitingFor.text });
    }
    if (view.holding && this.holdSeen !== view.holding.since) {
      this.holdSeen = view.holding.since;
      const reason = view.holding.failed.map((f) => `${f.taskId}: ${f.error}`).join('; ');
      events.push({ ...base, at: view.holding.since, type: 'run.holding', reason });
    }
    const waiting = new Set<string>();
    for (const p of view.pendingApprovals) {
      const key = `${p.taskId}@${p.since}`;
      waiting.add(key);
      if (this.waits.has(key)) continue;
      const agentType = view.tasks.find((t) => t.id === p.taskId)?.agentType;
      events.push({
        ...base,
        at: p.since,
        type: 'task.awaiting_approval',
        taskId: p.taskId,
        ...(agentType ? { agentType } : {}),
        shortfallMillicredits: p.shortfallMillicredits,
      });
    }
    for (const key of this.waits) if (!waiting.has(key)) this.waits.delete(key);
    for (const key of waiting) this.waits.add(key);
    for (const d of view.decisions.slice(this.decisionsSeen)) {
      events.push({
        ...base,
        at: d.at,
        type: 'budget.decision',
        taskId: d.taskId,
        decision: d.decision,
        millicredits: d.millicredits,
        by: d.by,
        ...(d.note ? { reason: d.note } : {}),
      });
    }
    this.decisionsSeen = view.decisions.length;
    events.sort((a, b) => a.at.localeCompare(b.at));
    // A run's start and end bracket its tasks' events, whatever the clocks say.
    if (!FINAL_RUN_STATUSES.has(view.status) || this.runEnded) return [...opening, ...events];
    this.runEnded = true;
    const end: ProgressEvent = {
      ...base,
      at: view.finishedAt ?? observedAt,
      type: 'run.ended',
      status: view.status,
      runSpentMillicredits: view.spentMillicredits,
    };
    return [...opening, ...events, end];
  }
}
