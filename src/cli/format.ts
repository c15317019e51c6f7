import { formatCredits } from '../domain/credits';
import type { Plan } from '../domain/plan';
import type { ProgressEvent } from '../domain/progress-events';
import type { RunView, TaskView } from '../domain/run';
import type { RunMetrics } from '../domain/run-metrics';
import { describeResultChecks } from '../domain/run-workspace';
import { DagScheduler } from '../domain/scheduler';
import { cliName } from './cli-name';

/** Renders rows as a plain fixed-width table (no colours: the output ends up in CI logs). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function planTable(plan: Plan): string {
  return table(
    ['id', 'title', 'agent', 'effort', 'deps', 'criteria'],
    plan.tasks.map((t) => [
      t.id,
      truncate(t.title, 48),
      t.agentType,
      String(t.effort),
      t.deps.join(',') || '-',
      String(t.acceptanceCriteria.length),
    ]),
  );
}

/** The DAG as a Mermaid flowchart, for pull-request comments and docs. */
export function planMermaid(plan: Plan): string {
  const label = (text: string) => text.replace(/["\n]/g, ' ');
  const lines = ['flowchart LR'];
  for (const t of plan.tasks) lines.push(`  ${mermaidId(t.id)}["${t.id}: ${label(truncate(t.title, 40))}"]`);
  for (const t of plan.tasks) for (const d of t.deps) lines.push(`  ${mermaidId(d)} --> ${mermaidId(t.id)}`);
  return lines.join('\n');
}

const mermaidId = (id: string) => `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;

export function criticalPath(plan: Plan): { path: string[]; effort: number } {
  const scheduler = new DagScheduler(plan.tasks, 1);
  const path = scheduler.criticalPath();
  const effortOf = new Map(plan.tasks.map((t) => [t.id, t.effort]));
  return { path, effort: path.reduce((sum, id) => sum + (effortOf.get(id) ?? 0), 0) };
}

function taskRow(t: TaskView): string[] {
  return [
    t.id,
    t.status,
    String(t.reviewRounds || '-'),
    t.lastVerdict ?? '-',
    `${formatCredits(t.spentMillicredits)}/${formatCredits(t.allocatedMillicredits + t.grantedMillicredits)}`,
    truncate(t.error ?? t.title, 60),
  ];
}

export function runReport(view: RunView, uiUrl?: string): string {
  const lines = [
    `Run ${view.runId}: ${view.status.toUpperCase()}`,
    `Goal: ${truncate(view.goal, 200)}`,
    '',
    table(['task', 'status', 'rounds', 'verdict', 'credits', 'title / reason'], view.tasks.map(taskRow)),
    ...(view.omittedSucceededTasks ? [`(${view.omittedSucceededTasks} succeeded tasks not listed)`] : []),
    ...(view.omittedPendingTasks ? [`(${view.omittedPendingTasks} tasks not started yet, not listed)`] : []),
    '',
    `Credits: spent ${formatCredits(view.spentMillicredits)} of ${formatCredits(view.budgetMillicredits)} budgeted` +
      (view.approvedExtraMillicredits > 0 ? ` + ${formatCredits(view.approvedExtraMillicredits)} approved` : '') +
      `; pool left ${formatCredits(view.poolMillicredits)}`,
  ];
  if (view.waitingFor) lines.push(`Waiting since ${view.waitingFor.since}: ${view.waitingFor.text}`);
  if (view.holding) lines.push(...holdingLines(view.runId, view.holding));
  const retried = view.tasks.filter((t) => t.attempts?.length);
  for (const t of retried) lines.push(...attemptLines(t));
  if (view.pendingApprovals.length > 0) {
    lines.push(
      `Waiting for approval: ${view.pendingApprovals.map((p) => `${p.taskId} (needs ${formatCredits(p.shortfallMillicredits)})`).join(', ')}`,
    );
  }
  for (const c of view.pendingToolCalls ?? []) {
    lines.push(
      `Tool call waiting for approval: ${c.requestId} calls ${c.server}.${c.tool} ${truncate(c.arguments, 200)} ` +
        `(planwright approve-tool ${view.runId} ${c.requestId} · deny-tool … --reason "…")`,
    );
  }
  if (view.decisions.length > 0) {
    lines.push('', 'Budget decisions:');
    for (const d of view.decisions) {
      lines.push(
        `  ${d.at} ${d.taskId} ${d.decision} ${formatCredits(d.millicredits)} by ${d.by}${d.note ? `: ${d.note}` : ''}`,
      );
    }
  }
  if (view.holdDecisions?.length) {
    lines.push('', 'Decisions on failed tasks:');
    for (const d of view.holdDecisions) {
      const credits = d.millicredits ? ` with ${formatCredits(d.millicredits)} credits` : '';
      const tasks = d.taskIds.length > 0 ? ` ${d.taskIds.join(', ')}` : '';
      lines.push(`  ${d.at} ${d.decision}${tasks}${credits} by ${d.by}${d.note ? `: ${truncate(d.note, 200)}` : ''}`);
    }
  }
  if (view.metrics.ended > 0) lines.push('', ...metricsLines(view.metrics));
  if (view.workspace) lines.push('', ...workspaceLines(view));
  if (uiUrl) lines.push('', `Web UI: ${uiUrl}`);
  return lines.join('\n');
}

/** A run holding for a person: what failed, why, and the two commands that decide. */
function holdingLines(runId: string, hold: NonNullable<RunView['holding']>): string[] {
  return [
    `Holding since ${hold.since} for a person (until ${hold.until}, then it finishes with what it has):`,
    ...hold.failed.map(
      (f) => `  ${f.taskId} failed${f.attempt > 1 ? ` (attempt ${f.attempt})` : ''}: ${truncate(f.error, 300)}`,
    ),
    `  Retry: ${cliName()} retry ${runId} ${hold.failed.map((f) => f.taskId).join(' ')} --feedback "…" · ` +
      `finish: ${cliName()} finish ${runId}`,
  ];
}

/** A retried task's attempts, each with how it ended and what it spent. */
function attemptLines(t: RunView['tasks'][number]): string[] {
  const earlier = (t.attempts ?? []).map(
    (a) =>
      `    attempt ${a.attempt}: ${a.status}, ${formatCredits(a.spentMillicredits)} credits${a.error ? `: ${truncate(a.error, 120)}` : ''}`,
  );
  return [`Task ${t.id}, attempt ${t.attempt ?? 1} (${t.status}); earlier attempts:`, ...earlier];
}

/** Where a run with a workspace left its work, and how to look at it. */
export function workspaceLines(view: RunView): string[] {
  const ws = view.workspace!;
  const lines = [`Repository: ${ws.remote} (base ${ws.base.slice(0, 10)})`];
  const integration = ws.integration;
  if (integration?.ok) {
    lines.push(
      `Result: branch ${integration.branch} (${integration.commit.slice(0, 10)}), ${describeResultChecks(integration)}; ${plural(integration.merged.length, 'task')} merged`,
      `  Look at it: ${cliName()} diff ${view.runId} · ${cliName()} checkout ${view.runId} <dir>`,
      `  or with git alone: git clone --branch ${integration.branch} ${ws.remote} <dir>`,
    );
  } else if (integration) {
    lines.push(`No result branch (${integration.reason}): ${truncate(integration.message, 400)}`);
    lines.push(`  Each task's branch: ${cliName()} diff ${view.runId} <taskId>`);
  }
  return lines;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  // Round to the unit shown first, so 59.97 s reads "1 min 0 s", never "60.0 s" or "1 min 60 s".
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The run's health in a few lines: outcomes, rounds and calls per task, cost per task, pace, slow agent types. */
export function metricsLines(m: RunMetrics): string[] {
  return [
    `Tasks: ${m.ended} ended (${m.succeeded} succeeded, ${m.failed} failed), ${m.skipped} skipped` +
      (m.tasksPerHour !== undefined
        ? `; ${m.tasksPerHour >= 10 ? Math.round(m.tasksPerHour) : m.tasksPerHour} tasks/hour`
        : ''),
    `Per task: ${m.meanReviewRounds} rounds, ${m.meanModelCalls} model calls, ` +
      `${formatCredits(m.meanSpentMillicredits)} credits (most ${formatCredits(m.maxSpentMillicredits)})`,
    '',
    table(
      ['agent', 'ended', 'succeeded', 'mean time', 'longest', 'credits/task', 'rounds/task', 'calls/task'],
      m.byAgentType.map((a) => [
        a.agentType,
        String(a.ended),
        String(a.succeeded),
        formatDuration(a.meanDurationMs),
        formatDuration(a.maxDurationMs),
        formatCredits(a.meanSpentMillicredits),
        String(a.meanReviewRounds),
        String(a.meanModelCalls),
      ]),
    ),
  ];
}

/** A progress event as one terminal line; the approval hint tells the person what to type. */
export function progressLine(e: ProgressEvent): string {
  const task = `  ${(e.taskId ?? '').padEnd(8)}`;
  switch (e.type) {
    case 'run.started':
      return `run ${e.runId} started`;
    case 'run.waiting':
      return `run waits: ${e.reason ?? 'for a worker'}`;
    case 'run.holding':
      return (
        `run holds for a person: ${e.reason ?? 'a task failed'} ` +
        `(retry with: planwright retry ${e.runId} TASK --feedback "…" · or: planwright finish ${e.runId})`
      );
    case 'task.started':
      return `${task} running${e.attempt ? ` (attempt ${e.attempt})` : ''}`;
    case 'task.ended':
      return e.status === 'succeeded'
        ? `${task} succeeded (${plural(e.reviewRounds ?? 0, 'round')}, ${formatCredits(e.spentMillicredits ?? 0)} credits)`
        : `${task} ${e.status}${e.reason ? `: ${e.reason}` : ''}`;
    case 'task.awaiting_approval':
      return (
        `${task} awaiting_approval (needs ${formatCredits(e.shortfallMillicredits ?? 0)} credits; ` +
        `approve with: planwright approve ${e.runId} ${e.taskId} --credits N)`
      );
    case 'budget.decision':
      return `${task} ${e.decision} ${formatCredits(e.millicredits ?? 0)} credits by ${e.by}${e.reason ? `: ${e.reason}` : ''}`;
    case 'run.ended':
      return `run ${e.status} (spent ${formatCredits(e.runSpentMillicredits ?? 0)} credits)`;
  }
}

/** The Web UI page of a workflow (built in src/domain/web-ui.ts, shared with the client library). */
export { webUiLink } from '../domain/web-ui';
