// The graph on a <canvas>, for plans of thousands of tasks: one draw call batch per status, only what is in view,
// labels once zoomed in far enough to read them. Clicks find their task through a grid over the layout.
import { STATUS_COLOURS } from './dom.js';
import { NODE_HEIGHT, NODE_WIDTH } from './layout.js';
import { label } from './graph-svg.js';

const CELL = 256;

export class CanvasRenderer {
  constructor(container, nodes, critical) {
    this.nodes = nodes;
    this.critical = critical;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'graph-canvas';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `Graph of ${nodes.length} tasks; open one with "Open task"`);
    container.append(this.canvas);
    this.container = container;
    this.transform = { k: 1, x: 0, y: 0 };
    this.selected = -1;
    this.frame = 0;
    this.onDrawn = undefined;
  }

  setLayout(layout, statuses) {
    this.layout = layout;
    this.statuses = statuses;
    // A grid of cells over the layout, each listing the tasks whose box touches it: a click looks in one cell.
    this.grid = new Map();
    for (let i = 0; i < this.nodes.length; i++) {
      const x0 = Math.floor(layout.xy[i * 2] / CELL);
      const x1 = Math.floor((layout.xy[i * 2] + NODE_WIDTH) / CELL);
      const y0 = Math.floor(layout.xy[i * 2 + 1] / CELL);
      const y1 = Math.floor((layout.xy[i * 2 + 1] + NODE_HEIGHT) / CELL);
      for (let cx = x0; cx <= x1; cx++) {
        for (let cy = y0; cy <= y1; cy++) {
          const key = `${cx},${cy}`;
          const cell = this.grid.get(key);
          if (cell) cell.push(i);
          else this.grid.set(key, [i]);
        }
      }
    }
    this.redraw();
  }

  setStatus(i, status) {
    if (this.statuses) this.statuses[i] = status;
    this.redraw();
  }

  setSelected(i) {
    this.selected = i;
    this.redraw();
  }

  setTransform(t) {
    this.transform = t;
    this.redraw();
  }

  hit(event) {
    if (!this.layout) return -1;
    const r = this.canvas.getBoundingClientRect();
    const { k, x, y } = this.transform;
    const lx = (event.clientX - r.left - x) / k;
    const ly = (event.clientY - r.top - y) / k;
    for (const i of this.grid.get(`${Math.floor(lx / CELL)},${Math.floor(ly / CELL)}`) ?? []) {
      const nx = this.layout.xy[i * 2];
      const ny = this.layout.xy[i * 2 + 1];
      if (lx >= nx && lx <= nx + NODE_WIDTH && ly >= ny && ly <= ny + NODE_HEIGHT) return i;
    }
    return -1;
  }

  /** Draws at the next frame, once however many changes came in before it. */
  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const { layout, canvas } = this;
    if (!layout) return;
    const dpr = window.devicePixelRatio || 1;
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    const { k, x, y } = this.transform;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * x, dpr * y);
    // What is in view, in layout units, with a box's margin.
    const left = -x / k - NODE_WIDTH;
    const top = -y / k - NODE_HEIGHT;
    const right = (w - x) / k;
    const bottom = (h - y) / k;
    const visible = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const nx = layout.xy[i * 2];
      const ny = layout.xy[i * 2 + 1];
      if (nx >= left && nx <= right && ny >= top && ny <= bottom) visible.push(i);
    }
    this.drawEdges(ctx, k);
    for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
      ctx.beginPath();
      for (const i of visible)
        if (this.statuses[i] === status) ctx.rect(layout.xy[i * 2], layout.xy[i * 2 + 1], NODE_WIDTH, NODE_HEIGHT);
      ctx.fillStyle = colour;
      ctx.fill();
    }
    ctx.beginPath();
    for (const i of visible)
      if (this.critical.nodes.has(i)) ctx.rect(layout.xy[i * 2], layout.xy[i * 2 + 1], NODE_WIDTH, NODE_HEIGHT);
    ctx.lineWidth = Math.max(2, 2.5 / k);
    ctx.strokeStyle = '#111827';
    ctx.stroke();
    if (this.selected >= 0) {
      ctx.lineWidth = Math.max(4, 4 / k);
      ctx.strokeStyle = '#7c3aed';
      ctx.strokeRect(layout.xy[this.selected * 2], layout.xy[this.selected * 2 + 1], NODE_WIDTH, NODE_HEIGHT);
    }
    // Text below ~8 px on screen is noise, and thousands of labels would cost more than all the boxes.
    if (k >= 0.6 && visible.length <= 3000) {
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      for (const i of visible) {
        const dark = ['running', 'succeeded', 'failed', 'cancelled'].includes(this.statuses[i]);
        ctx.fillStyle = dark ? '#ffffff' : '#111827';
        ctx.fillText(label(this.nodes[i]), layout.xy[i * 2] + 8, layout.xy[i * 2 + 1] + NODE_HEIGHT / 2);
      }
    }
    this.onDrawn?.();
  }

  drawEdges(ctx, k) {
    const paths = [
      { critical: false, colour: 'rgba(100, 116, 139, 0.45)', width: 1 / k },
      { critical: true, colour: '#111827', width: Math.max(2, 2 / k) },
    ];
    for (const p of paths) {
      ctx.beginPath();
      for (const e of this.layout.edges) {
        if (this.critical.edges.has(e.from * this.nodes.length + e.to) !== p.critical) continue;
        const pts = e.points;
        ctx.moveTo(pts[0], pts[1]);
        for (let j = 2; j < pts.length; j += 2) ctx.lineTo(pts[j], pts[j + 1]);
      }
      ctx.strokeStyle = p.colour;
      ctx.lineWidth = p.width;
      ctx.stroke();
    }
  }

  dispose() {
    cancelAnimationFrame(this.frame);
    this.canvas.remove();
  }
}
