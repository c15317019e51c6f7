// The graph as SVG, for plans small enough that one element per task stays fast: each task is a focusable element
// carrying its id and status (style.css colours it by status), so recolouring is setting one attribute.
import { statusLabel } from './dom.js';
import { NODE_HEIGHT, NODE_WIDTH } from './layout.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

export class SvgRenderer {
  constructor(container, nodes, critical, onSelect) {
    this.nodes = nodes;
    this.critical = critical;
    this.root = svg('svg', { class: 'graph-svg', role: 'group', 'aria-label': 'Tasks of the run' });
    this.viewport = svg('g');
    this.root.append(this.viewport);
    container.append(this.root);
    this.onKey = (event) => {
      const g = event.target.closest?.('[data-index]');
      if (g && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        onSelect(Number(g.dataset.index));
      }
    };
    this.root.addEventListener('keydown', this.onKey);
  }

  setLayout(layout, statuses) {
    const edges = svg('g', { class: 'edges' });
    for (const e of layout.edges) {
      const p = e.points;
      let d = `M${p[0]},${p[1]}`;
      for (let i = 2; i < p.length; i += 2) d += `L${p[i]},${p[i + 1]}`;
      const onPath = this.critical.edges.has(e.from * this.nodes.length + e.to);
      edges.append(svg('path', { d, class: onPath ? 'edge critical' : 'edge' }));
    }
    const group = svg('g', { class: 'nodes' });
    this.elements = this.nodes.map((node, i) => {
      const g = svg('g', {
        class: this.critical.nodes.has(i) ? 'node critical' : 'node',
        transform: `translate(${layout.xy[i * 2]},${layout.xy[i * 2 + 1]})`,
        tabindex: 0,
        role: 'button',
        'data-index': i,
        'data-task-id': node.id,
        'data-status': statuses[i],
      });
      const title = svg('title');
      title.textContent = `${node.id}: ${node.title} (${statusLabel(statuses[i])})`;
      const text = svg('text', { x: 8, y: NODE_HEIGHT / 2 + 4 });
      text.textContent = label(node);
      g.append(title, svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }), text);
      group.append(g);
      return g;
    });
    this.viewport.replaceChildren(edges, group);
  }

  setStatus(i, status) {
    const g = this.elements?.[i];
    if (!g) return;
    g.setAttribute('data-status', status);
    g.firstChild.textContent = `${this.nodes[i].id}: ${this.nodes[i].title} (${statusLabel(status)})`;
  }

  setSelected(i) {
    this.root.querySelector('.node.selected')?.classList.remove('selected');
    if (i >= 0) this.elements?.[i]?.classList.add('selected');
  }

  setTransform({ k, x, y }) {
    this.viewport.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
  }

  hit(event) {
    const g = event.target.closest?.('[data-index]');
    return g ? Number(g.dataset.index) : -1;
  }

  dispose() {
    this.root.removeEventListener('keydown', this.onKey);
    this.root.remove();
  }
}

/** "id · title", cut to what fits a box. */
export function label(node, max = 22) {
  const text = node.title && node.title !== node.id ? `${node.id} · ${node.title}` : node.id;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
