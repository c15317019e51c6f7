// The runs page: every run of the namespace from search attributes (no worker needed), runs waiting for a person
// first, filterable by status. Refreshed every few seconds while shown.
import { getJson } from './api.js';
import { badge, credits, fill, h, navLink, runPath, time } from './dom.js';

const FILTERS = [
  '',
  'awaiting_approval',
  'holding',
  'planning',
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
];
const REFRESH_MS = 5000;

export function showRuns(main, params, navigate) {
  const status = FILTERS.includes(params.get('status') ?? '') ? (params.get('status') ?? '') : '';
  const select = h(
    'select',
    { id: 'status-filter', 'aria-label': 'Show runs in status' },
    FILTERS.map((s) => h('option', { value: s, selected: s === status }, s ? s.replace(/_/g, ' ') : 'all statuses')),
  );
  select.addEventListener('change', () => navigate(select.value ? `/?status=${select.value}` : '/', { replace: true }));
  // Filtered here, in the browser: goals travel in the runs' (encrypted) memos, never in search attributes.
  const goalFilter = h('input', {
    id: 'goal-filter',
    type: 'search',
    placeholder: 'goal contains…',
    'aria-label': 'Show runs whose goal contains',
    value: params.get('goal') ?? '',
  });
  let lastRuns = [];
  const body = h('div', { class: 'runs' }, h('p', { class: 'muted' }, 'Loading runs…'));
  const render = (runs, waitingUnknown) => {
    const needle = goalFilter.value.trim().toLowerCase();
    const shown = needle ? runs.filter((r) => (r.goal ?? '').toLowerCase().includes(needle)) : runs;
    fill(body, waitingUnknown ? h('p', { class: 'note' }, waitingUnknown) : null, table(shown, status, needle));
  };
  goalFilter.addEventListener('input', () => render(lastRuns));
  fill(
    main,
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, 'Runs'),
      h('label', {}, 'Show ', select),
      h('label', {}, ' ', goalFilter),
    ),
    body,
  );
  document.title = 'Runs · Planwright';

  let timer;
  let disposed = false;
  async function refresh() {
    try {
      const { runs, waitingUnknown } = await getJson(`/api/runs${status ? `?status=${status}` : ''}`);
      if (disposed) return;
      lastRuns = runs;
      render(runs, waitingUnknown);
    } catch (err) {
      if (!disposed) fill(body, h('div', { class: 'problem', role: 'alert' }, err.message));
    }
    if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
  }
  void refresh();
  return {
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}

function table(runs, status, needle) {
  if (runs.length === 0) {
    if (needle) return h('p', { class: 'muted' }, `No run's goal contains "${needle}".`);
    return h('p', { class: 'muted' }, status ? `No run is ${status.replace(/_/g, ' ')}.` : 'No run yet.');
  }
  return h(
    'table',
    { class: 'list' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['run', 'goal', 'status', 'waiting for a person', 'tasks', 'credits', 'repository', 'started', 'ended'].map(
          (c) => h('th', {}, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      runs.map((r) =>
        h(
          'tr',
          { 'data-run-id': r.runId, class: waitingText(r) ? 'waiting' : '' },
          h('td', {}, navLink(runPath(r.runId), r.runId)),
          h('td', { class: 'goal-cell', title: r.goal ?? '' }, r.goal ?? '–'),
          h('td', {}, badge(r.status)),
          h('td', {}, waitingText(r) || '–'),
          h('td', { class: 'tasks-cell', title: countsText(r.progress) }, tasksText(r.progress)),
          h('td', { class: 'credits-cell' }, creditsText(r)),
          h('td', { class: 'repo-cell', title: r.repo ?? '' }, r.repo ?? '–'),
          h('td', {}, time(r.startedAt)),
          h('td', {}, time(r.closedAt)),
        ),
      ),
    ),
  );
}

function waitingText(r) {
  const parts = (r.waitingTasks ?? []).map((t) => `${t.taskId} needs ${credits(t.shortfallMillicredits)} credits`);
  for (const c of r.waitingToolCalls ?? []) parts.push(`${c.taskId} calls ${c.server}.${c.tool}`);
  if (parts.length === 0 && (r.pendingApprovals > 0 || r.status === 'awaiting_approval')) {
    parts.push(`${r.pendingApprovals || 'a'} task${r.pendingApprovals === 1 ? '' : 's'} waiting`);
  }
  return parts.join('; ');
}

/** Tasks ended of the plan's, e.g. "3/5 ended" (the run tells it by query while it runs, by its result after). */
function tasksText(progress) {
  if (!progress) return '–';
  return progress.tasks === 0 ? 'planning' : `${progress.tasksEnded}/${progress.tasks} ended`;
}

/** Every task status with its count, for the tasks cell's tooltip. */
function countsText(progress) {
  if (!progress) return '';
  return Object.entries(progress.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
}

/** Credits spent of the budget (with approved extras); the budget alone when the run cannot say what it spent. */
function creditsText(r) {
  if (r.progress) return `${credits(r.progress.spentMillicredits)} of ${credits(r.progress.budgetMillicredits)}`;
  return r.budgetCredits === undefined ? '–' : `budget ${r.budgetCredits}`;
}
