// Credits spent against the budget over time: two step lines in a small SVG, no library.
import { credits, time } from './dom.js';

const W = 560;
const H = 180;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };
/** Most points drawn per line: a 5,000-task run has a point per task end. */
const MAX_POINTS = 600;

const SVG = 'http://www.w3.org/2000/svg';
function el(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `points`: [{ at, spentMillicredits, budgetMillicredits }], oldest first; `until`: where the lines end (ISO). */
export function creditsChart(points, until) {
  const root = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
  const last = points.at(-1);
  root.setAttribute(
    'aria-label',
    last
      ? `Credits: ${credits(last.spentMillicredits)} spent of ${credits(last.budgetMillicredits)}`
      : 'No credits spent yet',
  );
  if (points.length === 0) {
    root.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' }, 'No credits spent yet'));
    return root;
  }
  const shown = thin(points);
  const t0 = Date.parse(shown[0].at);
  const t1 = Math.max(Date.parse(until ?? last.at), Date.parse(last.at), t0 + 1000);
  const spentTop = Math.max(...shown.map((p) => p.spentMillicredits));
  const budgetTop = Math.max(...shown.map((p) => p.budgetMillicredits));
  // A run far under its budget would draw a flat line at the bottom: then the scale is the spending's, and the
  // budget is named instead of drawn.
  const budgetDrawn = spentTop >= budgetTop * 0.2;
  const top = budgetDrawn ? Math.max(spentTop, budgetTop, 1) : roundUp(spentTop * 1.1);
  const sx = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const sy = (m) => H - PAD.bottom - (m / top) * (H - PAD.top - PAD.bottom);
  const step = (key) => {
    let d = '';
    let y;
    for (const p of shown) {
      const x = sx(Date.parse(p.at));
      d += d ? `H${x}V${sy(p[key])}` : `M${x},${sy(p[key])}`;
      y = sy(p[key]);
    }
    return `${d}H${sx(t1)}V${y}`;
  };
  root.append(
    el('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: 'axis-line' }),
    el('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: 'axis-line' }),
    el('text', { x: PAD.left - 6, y: sy(top) + 4, 'text-anchor': 'end', class: 'axis' }, credits(top)),
    el('text', { x: PAD.left - 6, y: H - PAD.bottom + 4, 'text-anchor': 'end', class: 'axis' }, '0'),
    el('text', { x: PAD.left, y: H - 8, class: 'axis' }, time(shown[0].at)),
    el('text', { x: W - PAD.right, y: H - 8, 'text-anchor': 'end', class: 'axis' }, time(new Date(t1).toISOString())),
    el('path', { d: step('spentMillicredits'), class: 'spent-line' }),
  );
  root.append(
    budgetDrawn
      ? el('path', { d: step('budgetMillicredits'), class: 'budget-line' })
      : el(
          'text',
          { x: W - PAD.right, y: PAD.top + 8, 'text-anchor': 'end', class: 'axis' },
          `budget ${credits(budgetTop)}: above the scale`,
        ),
  );
  return root;
}

/** Every k-th point and the last: the shape of the curve at a size a page draws at once. */
function thin(points) {
  if (points.length <= MAX_POINTS) return points;
  const every = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

/** The next 1, 2 or 5 times a power of ten, in millicredits: an axis label people read at a glance. */
function roundUp(millicredits) {
  const x = Math.max(millicredits, 1);
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= x);
}
