// A run's plan as a graph, left to right, coloured by task status. Large plans get an instant layout by depth first,
// replaced by ELK's once its worker is done; SVG up to SVG_MAX tasks, a canvas above. Drag to pan, wheel to zoom.
import { CanvasRenderer } from './graph-canvas.js';
import { SvgRenderer } from './graph-svg.js';
import { cachedLayout, elkLayout, quickLayout } from './layout.js';

/** Up to this many tasks, one SVG element per task. */
const SVG_MAX = 400;
/** Above this many tasks, draw the quick layout first instead of waiting for ELK. */
const QUICK_FIRST = 150;
const MARGIN = 24;

export class GraphView {
  constructor(container, { onSelect }) {
    this.container = container;
    this.onSelect = onSelect;
    this.transform = { k: 1, x: 0, y: 0 };
    this.userMoved = false;
    this.selected = -1;
    this.listen();
  }

  /** Lays out and draws a plan; `key` caches its layout (the run id: a plan never changes). */
  setPlan(key, graph, criticalPath) {
    this.renderer?.dispose();
    this.container.replaceChildren();
    this.layout = undefined;
    this.nodes = graph;
    this.index = new Map(graph.map((node, i) => [node.id, i]));
    this.statuses = graph.map((node) => node.status);
    const n = graph.length;
    const onPath = criticalPath.map((id) => this.index.get(id)).filter((i) => i !== undefined);
    const critical = { nodes: new Set(onPath), edges: new Set() };
    for (let j = 1; j < onPath.length; j++) critical.edges.add(onPath[j - 1] * n + onPath[j]);
    const svg = n <= SVG_MAX;
    this.container.dataset.renderer = svg ? 'svg' : 'canvas';
    this.renderer = svg
      ? new SvgRenderer(this.container, graph, critical, (i) => this.onSelect(graph[i].id))
      : new CanvasRenderer(this.container, graph, critical);
    const cacheKey = `${key}:${n}`;
    const cached = cachedLayout(cacheKey);
    if (cached) return this.show(cached);
    const started = performance.now();
    if (n > QUICK_FIRST) this.show(quickLayout(graph));
    else this.container.dataset.layout = 'waiting';
    const renderer = this.renderer;
    elkLayout(cacheKey, graph).then(
      (layout) => {
        if (this.renderer !== renderer) return;
        this.show(layout);
        performance.measure('planwright:elk-layout', { start: started, end: performance.now() });
      },
      (err) => {
        if (this.renderer !== renderer) return;
        console.warn(`ELK layout failed, keeping the layout by depth: ${err.message}`);
        if (!this.layout) this.show(quickLayout(graph));
      },
    );
  }

  show(layout) {
    this.layout = layout;
    this.container.dataset.layout = layout.kind;
    this.renderer.setLayout(layout, this.statuses.slice());
    if (!this.userMoved) this.fit();
    else this.renderer.setTransform(this.transform);
    this.renderer.setSelected(this.selected);
    const mark = `planwright:graph-drawn:${layout.kind}`;
    const record = () => performance.getEntriesByName(mark).length || performance.mark(mark);
    // The canvas draws at the next frame: the picture is there once it has.
    if (this.renderer instanceof CanvasRenderer) this.renderer.onDrawn = record;
    else record();
  }

  /** Recolours the tasks whose status changed: { [taskId]: status }. */
  setStatuses(changes) {
    for (const [id, status] of Object.entries(changes)) {
      const i = this.index?.get(id);
      if (i === undefined) continue;
      this.statuses[i] = status;
      this.renderer?.setStatus(i, status);
    }
  }

  select(taskId) {
    this.selected = taskId === undefined ? -1 : (this.index?.get(taskId) ?? -1);
    this.renderer?.setSelected(this.selected);
  }

  fit() {
    if (!this.layout) return;
    const w = this.container.clientWidth || 800;
    const h = this.container.clientHeight || 500;
    const k = Math.min(
      1.2,
      (w - 2 * MARGIN) / Math.max(1, this.layout.width),
      (h - 2 * MARGIN) / Math.max(1, this.layout.height),
    );
    this.transform = { k, x: (w - this.layout.width * k) / 2, y: (h - this.layout.height * k) / 2 };
    this.fitK = k;
    this.userMoved = false;
    this.renderer.setTransform(this.transform);
  }

  zoomAt(factor, cx, cy) {
    const { k, x, y } = this.transform;
    const next = Math.min(4, Math.max((this.fitK ?? 1) * 0.5, k * factor));
    this.transform = { k: next, x: cx - ((cx - x) * next) / k, y: cy - ((cy - y) * next) / k };
    this.userMoved = true;
    this.renderer?.setTransform(this.transform);
  }

  listen() {
    const c = this.container;
    let drag;
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, t: { ...this.transform }, moved: false };
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) c.setPointerCapture(e.pointerId);
      drag.moved = true;
      this.userMoved = true;
      this.transform = { ...drag.t, x: drag.t.x + dx, y: drag.t.y + dy };
      this.renderer?.setTransform(this.transform);
    });
    c.addEventListener('pointerup', (e) => {
      const wasDrag = drag?.moved;
      drag = undefined;
      if (wasDrag || !this.renderer) return;
      const i = this.renderer.hit(e);
      if (i >= 0) this.onSelect(this.nodes[i].id);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        this.zoomAt(Math.exp(-e.deltaY / 400), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    this.onResize = () => (this.userMoved ? this.renderer?.setTransform(this.transform) : this.fit());
    window.addEventListener('resize', this.onResize);
  }

  dispose() {
    window.removeEventListener('resize', this.onResize);
    this.renderer?.dispose();
  }
}
