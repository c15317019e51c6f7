// The page's entry: signs in, then shows the runs list, a run, or a run with a task open, by the address. Links marked
// data-nav change the address without reloading, so a watched run keeps its stream and its laid-out graph.
import { ApiError, loadSession } from './api.js';
import { fill, h } from './dom.js';
import { showRun } from './run-page.js';
import { showRuns } from './runs-page.js';

const main = document.getElementById('main');
let current; // { kind, runId, view } of what is shown

function route() {
  const path = location.pathname;
  const run = /^\/runs\/([^/]+)(?:\/tasks\/([^/]+))?\/?$/.exec(path);
  if (run) {
    const runId = decodeURIComponent(run[1]);
    const taskId = run[2] ? decodeURIComponent(run[2]) : undefined;
    // The same run: keep its page (and its stream), only open or close the task panel.
    if (current?.kind === 'run' && current.runId === runId) return current.view.openTask(taskId);
    current?.view.dispose?.();
    current = { kind: 'run', runId, view: showRun(main, runId, taskId, navigate) };
    return;
  }
  current?.view.dispose?.();
  current = { kind: 'runs', view: showRuns(main, new URLSearchParams(location.search), navigate) };
}

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  route();
}

document.addEventListener('click', (event) => {
  const a = event.target.closest?.('a[data-nav]');
  if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

async function start() {
  // A `?token=` link has done its work (the server set the session cookie): take it out of the address and history.
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  try {
    const session = await loadSession();
    fill(
      document.getElementById('who'),
      h('span', { class: 'muted' }, `namespace ${session.namespace} · `),
      h('span', { id: 'who-name', title: `identified by ${session.auth}` }, session.name),
    );
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    fill(
      main,
      h(
        'div',
        { class: 'problem', role: 'alert' },
        h('h2', {}, status === 401 ? 'Not signed in' : 'Cannot start'),
        h('p', {}, err.message),
      ),
    );
    return;
  }
  route();
}

void start();
