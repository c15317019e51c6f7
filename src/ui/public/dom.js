// Small helpers every view uses: building elements (text only: nothing from a run is ever parsed as HTML), and
// formatting credits, times and durations as the CLI does.

/** h('div', { class: 'x', onclick: fn }, 'text', child) → an element. Null and false children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const STATUSES = ['pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'skipped', 'cancelled'];

/** One colour per task status, shared by the graph, the badges and the legend (style.css uses the same). */
export const STATUS_COLOURS = {
  pending: '#aeb6c1',
  running: '#2f80ed',
  awaiting_approval: '#f2994a',
  succeeded: '#27ae60',
  failed: '#eb5757',
  skipped: '#dde1e6',
  cancelled: '#6b7280',
};

export const statusLabel = (status) => String(status).replace(/_/g, ' ');

export const badge = (status) => h('span', { class: 'badge', 'data-status': status }, statusLabel(status));

/** Millicredits as credits, three decimals at most, as the CLI prints them. */
export function credits(millicredits) {
  return (millicredits / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}

export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** An ISO time as the reader's local date and time (to the second). */
export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false });
}

export const runPath = (runId) => `/runs/${encodeURIComponent(runId)}`;
export const taskPath = (runId, taskId) => `${runPath(runId)}/tasks/${encodeURIComponent(taskId)}`;

/** A link the app follows without reloading the page (see app.js). */
export const navLink = (href, ...children) => h('a', { href, 'data-nav': true }, ...children);
