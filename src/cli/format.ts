import { formatCredits } from '../domain/credits';
import type { Plan } from '../domain/plan';
import type { RunView, TaskView } from '../domain/run';
import { DagScheduler } from '../domain/scheduler';

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
    '',
    `Credits: spent ${formatCredits(view.spentMillicredits)} of ${formatCredits(view.budgetMillicredits)} budgeted` +
      (view.approvedExtraMillicredits > 0 ? ` + ${formatCredits(view.approvedExtraMillicredits)} approved` : '') +
      `; pool left ${formatCredits(view.poolMillicredits)}`,
  ];
  if (view.pendingApprovals.length > 0) {
    lines.push(
      `Waiting for approval: ${view.pendingApprovals.map((p) => `${p.taskId} (needs ${formatCredits(p.shortfallMillicredits)})`).join(', ')}`,
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
  if (uiUrl) lines.push('', `Web UI: ${uiUrl}`);
  return lines.join('\n');
}

/** The Web UI page of a workflow. */
export function webUiLink(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
