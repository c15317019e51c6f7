import { z } from 'zod';
import type { TaskView } from './run';

/** The numbers that say whether a run is healthy, for one agent type. */
export const AgentTypeMetrics = z.object({
  agentType: z.string().describe('Agent type'),
  ended: z.number().int().describe('Tasks of this type that ended: succeeded, failed or cancelled (not skipped)'),
  succeeded: z.number().int().describe('Of those, how many succeeded'),
  meanDurationMs: z
    .number()
    .int()
    .describe('Mean time from a task starting to its end, approval waits included, in milliseconds'),
  maxDurationMs: z.number().int().describe('Longest such time, in milliseconds'),
  meanSpentMillicredits: z.number().int().describe('Mean credits one task spent, in thousandths'),
  meanReviewRounds: z.number().describe('Mean implement-and-review rounds per task, two decimals'),
  meanModelCalls: z.number().describe('Mean model calls per task (repairs and failed calls included), two decimals'),
});
export type AgentTypeMetrics = z.infer<typeof AgentTypeMetrics>;

/**
 * A run's health at a glance, computed from every task (also those a large run leaves out of its task list): how
 * many ended and how, how many rounds and calls a task needed (high means unstable prompts or a strict reviewer),
 * what a task cost, how fast tasks finish, and which agent types are slow or expensive.
 */
export const RunMetrics = z.object({
  ended: z.number().int().describe('Tasks that ended: succeeded, failed or cancelled (skipped ones never ran)'),
  succeeded: z.number().int().describe('Tasks that succeeded'),
  failed: z.number().int().describe('Tasks that failed'),
  skipped: z.number().int().describe('Tasks skipped because a dependency failed or the run stopped'),
  meanReviewRounds: z.number().describe('Mean implement-and-review rounds per ended task, two decimals'),
  meanModelCalls: z.number().describe('Mean model calls per ended task, two decimals'),
  meanSpentMillicredits: z.number().int().describe('Mean credits an ended task spent, in thousandths'),
  maxSpentMillicredits: z.number().int().describe('Most credits one task spent, in thousandths'),
  tasksPerHour: z
    .number()
    .optional()
    .describe('Ended tasks per hour, from the first task start to the last task end; absent before a task ended'),
  byAgentType: z.array(AgentTypeMetrics).describe('The same per agent type, slowest mean duration first'),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export function runMetrics(tasks: Iterable<TaskView>): RunMetrics {
  const ended: TaskView[] = [];
  let failed = 0;
  let skipped = 0;
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  for (const t of tasks) {
    if (t.status === 'failed') failed++;
    if (t.status === 'skipped') skipped++;
    if (t.startedAt) firstStart = Math.min(firstStart, Date.parse(t.startedAt));
    if (!ENDED.has(t.status)) continue;
    ended.push(t);
    if (t.finishedAt) lastEnd = Math.max(lastEnd, Date.parse(t.finishedAt));
  }
  const byType = new Map<string, TaskView[]>();
  for (const t of ended) {
    const group = byType.get(t.agentType);
    if (group) group.push(t);
    else byType.set(t.agentType, [t]);
  }
  const span = lastEnd - firstStart;
  return {
    ended: ended.length,
    succeeded: ended.filter((t) => t.status === 'succeeded').length,
    failed,
    skipped,
    meanReviewRounds: round2(mean(ended.map((t) => t.reviewRounds))),
    meanModelCalls: round2(mean(ended.map((t) => t.modelCalls))),
    meanSpentMillicredits: Math.round(mean(ended.map((t) => t.spentMillicredits))),
    maxSpentMillicredits: ended.reduce((most, t) => Math.max(most, t.spentMillicredits), 0),
    ...(ended.length > 0 && span > 0 ? { tasksPerHour: round2((ended.length * 3_600_000) / span) } : {}),
    byAgentType: [...byType]
      .map(([agentType, group]) => agentTypeMetrics(agentType, group))
      .sort((a, b) => b.meanDurationMs - a.meanDurationMs || a.agentType.localeCompare(b.agentType)),
  };
}

function agentTypeMetrics(agentType: string, group: TaskView[]): AgentTypeMetrics {
  const durations = group.flatMap((t) =>
    t.startedAt && t.finishedAt ? [Date.parse(t.finishedAt) - Date.parse(t.startedAt)] : [],
  );
  return {
    agentType,
    ended: group.length,
    succeeded: group.filter((t) => t.status === 'succeeded').length,
    meanDurationMs: Math.round(mean(durations)),
    maxDurationMs: durations.reduce((most, d) => Math.max(most, d), 0),
    meanSpentMillicredits: Math.round(mean(group.map((t) => t.spentMillicredits))),
    meanReviewRounds: round2(mean(group.map((t) => t.reviewRounds))),
    meanModelCalls: round2(mean(group.map((t) => t.modelCalls))),
  };
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
const round2 = (value: number) => Math.round(value * 100) / 100;
