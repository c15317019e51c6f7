// A run: its plan as a live graph with the critical path, what waits for a person, credits over time, its health
// and its budget decisions; a task opens beside the graph. One event stream feeds it all (api.js watchRun).
import { currentSession, watchRun } from './api.js';
import { ApprovalsView } from './approvals.js';
import { creditsChart } from './credits-chart.js';
import { badge, credits, fill, h, navLink, runPath, STATUSES, statusLabel, taskPath, time } from './dom.js';
import { GraphView } from './graph.js';
import { healthTable } from './health.js';
import { TaskPanel } from './task-panel.js';

export function showRun(main, runId, initialTaskId, navigate) {
  const whoName = currentSession()?.name;
  const header = h('div', { class: 'toolbar' });
  const banner = h('div', { class: 'banner', hidden: true, role: 'status' });
  const summary = h('section', { class: 'summary' });
  const approvals = new ApprovalsView(runId, whoName);
  const graphBox = h('div', { class: 'graph', id: 'graph' });
  const taskForm = h(
    'form',
    { class: 'open-task' },
    h('input', { name: 'task', placeholder: 'task id', 'aria-label': 'Task id', size: 10 }),
    h('button', { type: 'submit' }, 'Open task'),
  );
  const fitButton = h('button', { type: 'button' }, 'Fit');
  const chart = h('div', { class: 'chart-box' });
  const health = h('div', { class: 'health' });
  const decisions = h('div', { class: 'decisions' });
  const panel = new TaskPanel(runId, { onClose: () => navigate(runPath(runId)), whoName });
  const body = h(
    'div',
    { class: 'run-page' },
    header,
    banner,
    summary,
    approvals.root,
    h(
      'section',
      { class: 'graph-section' },
      h('div', { class: 'graph-tools' }, legend(), h('span', { class: 'spacer' }), taskForm, fitButton),
      h('div', { class: 'graph-and-panel' }, graphBox, panel.root),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        {},
        h(
          'h2',
          {},
          'Credits over time ',
          h('span', { class: 'key spent' }, 'spent'),
          h('span', { class: 'key budget' }, 'budget'),
        ),
        chart,
      ),
      h('section', {}, h('h2', {}, 'Health'), health),
    ),
    h('section', {}, h('h2', {}, 'Budget decisions'), decisions),
  );
  fill(
    main,
    h('div', { class: 'toolbar' }, navLink('/', '← Runs'), h('h1', {}, runId)),
    h('p', { class: 'muted' }, 'Reading the run…'),
  );
  document.title = `${runId} · Planwright`;

  const graph = new GraphView(graphBox, { onSelect: (id) => navigate(taskPath(runId, id)) });
  fitButton.addEventListener('click', () => graph.fit());
  taskForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = taskForm.task.value.trim();
    if (id) navigate(taskPath(runId, id));
  });

  let details;
  let byId = new Map();
  let taskId = initialTaskId;
  let shown = false;

  function renderParts() {
    fill(
      header,
      navLink('/', '← Runs'),
      h('h1', {}, runId),
      h('span', { id: 'run-status', 'data-status': details.view.status }, badge(details.view.status)),
      details.live
        ? h('span', { class: 'live', title: 'updates as the run moves' }, '● live')
        : h('span', { class: 'muted' }, 'closed'),
      h('a', { href: details.webUiUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Temporal Web UI ↗'),
    );
    fill(summary, ...summaryParts(details));
    approvals.update(details.view, new Map(details.graph.map((n) => [n.id, n.title])));
    fill(chart, creditsChart(details.credits, details.live ? new Date().toISOString() : details.view.finishedAt));
    fill(health, healthTable(details.view.metrics));
    fill(decisions, decisionsTable(details.view.decisions));
  }

  function onEvent(message) {
    if (message.kind === 'reconnecting') return showBanner('Connection lost; reconnecting…');
    if (message.kind === 'problem') {
      if (message.final || !details) return problem(message);
      return showBanner(message.error);
    }
    showBanner(undefined);
    if (message.kind === 'full') {
      const planChanged = !details || details.graph.length !== message.details.graph.length;
      details = message.details;
      byId = new Map(details.graph.map((n) => [n.id, n]));
      if (!shown) {
        fill(main, body);
        shown = true;
      }
      if (planChanged && details.graph.length > 0) graph.setPlan(runId, details.graph, details.criticalPath);
      else graph.setStatuses(Object.fromEntries(details.graph.map((n) => [n.id, n.status])));
      if (details.graph.length === 0) fill(graphBox, h('p', { class: 'muted empty' }, 'Planning: no plan yet.'));
    } else {
      for (const [id, status] of Object.entries(message.statuses)) {
        const node = byId.get(id);
        if (node) node.status = status;
      }
      details = {
        ...message.details,
        graph: details.graph,
        credits: details.credits.slice(0, message.creditsFrom).concat(message.credits),
      };
      graph.setStatuses(message.statuses);
    }
    renderParts();
    openTask(taskId);
    panel.refresh(details, message.statuses);
  }

  function showBanner(text) {
    banner.hidden = !text;
    banner.textContent = text ?? '';
  }

  function problem(message) {
    fill(
      main,
      h('div', { class: 'toolbar' }, navLink('/', '← Runs'), h('h1', {}, runId)),
      h(
        'div',
        { class: 'problem', role: 'alert' },
        h('p', {}, message.status === 404 ? `${capitalise(message.error)}.` : message.error),
        h('p', {}, navLink('/', 'See the runs of this namespace')),
      ),
    );
  }

  function openTask(id) {
    const changed = id !== taskId || (id && panel.taskId !== id);
    taskId = id;
    graph.select(id);
    if (!details) return;
    if (!id) return panel.close();
    if (changed) panel.open(id, details);
  }

  const stop = watchRun(runId, onEvent);
  return {
    openTask,
    dispose() {
      stop();
      graph.dispose();
    },
  };
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function summaryParts(d) {
  const v = d.view;
  const budget = v.budgetMillicredits + v.approvedExtraMillicredits;
  const counts = STATUSES.filter((s) => v.counts[s]).map((s) => `${v.counts[s]} ${statusLabel(s)}`);
  return [
    h('p', { class: 'goal' }, v.goal),
    h(
      'dl',
      { class: 'facts inline' },
      h('dt', {}, 'credits'),
      h(
        'dd',
        { id: 'run-credits' },
        `${credits(v.spentMillicredits)} spent of ${credits(budget)}${v.approvedExtraMillicredits ? ` (${credits(v.approvedExtraMillicredits)} approved beyond the budget)` : ''}; pool ${credits(v.poolMillicredits)}`,
      ),
      h('dt', {}, 'tasks'),
      h('dd', {}, counts.join(', ') || 'none yet'),
      h('dt', {}, 'critical path'),
      h(
        'dd',
        {},
        d.criticalPath.length
          ? `${d.criticalPath.length} tasks: ${d.criticalPath.slice(0, 8).join(' → ')}${d.criticalPath.length > 8 ? ' → …' : ''}`
          : '–',
      ),
      h('dt', {}, 'started'),
      h('dd', {}, time(v.startedAt)),
      h('dt', {}, 'ended'),
      h('dd', {}, v.finishedAt ? time(v.finishedAt) : d.closedAs ? d.closedAs : '–'),
    ),
    d.closedAs ? h('p', { class: 'note' }, `Closed: ${d.closedAs}`) : null,
    // A run that closed before any task started: its tasks are not waiting, and an empty chart is not a bug.
    d.closedAs && !STATUSES.some((s) => s !== 'pending' && v.counts[s])
      ? h('p', { class: 'note', id: 'nothing-ran' }, 'Nothing ran: the run closed before any task started.')
      : null,
    // The server words it (the CLI's words): a result no check ran on is never called verified.
    d.result ? h('p', { class: 'note', id: 'run-result' }, `Result: ${d.result}`) : null,
  ];
}

function legend() {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Task colours' },
    STATUSES.map((s) => h('li', {}, h('span', { class: 'swatch', 'data-status': s }), statusLabel(s))),
    h('li', {}, h('span', { class: 'swatch critical' }), 'critical path'),
  );
}

function decisionsTable(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No budget decision yet.');
  const rows = list.slice(-200);
  return h(
    'table',
    { class: 'list compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['at', 'task', 'decision', 'credits', 'by', 'note'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((d) =>
        h(
          'tr',
          {},
          h('td', {}, time(d.at)),
          h('td', {}, d.taskId),
          h('td', {}, d.decision),
          h('td', {}, credits(d.millicredits)),
          h('td', {}, d.by),
          h('td', {}, d.note ?? ''),
        ),
      ),
    ),
    list.length > rows.length ? h('caption', {}, `the last ${rows.length} of ${list.length}`) : null,
  );
}
