// Where the graph's tasks go. Two layouts of the same plan, left to right (dependencies before their dependents):
// - quickLayout: columns by dependency depth, in O(tasks + edges) on the page's thread, for an instant first picture;
// - elkLayout: ELK's layered layout (fewer crossings, routed edges), in a Web Worker, cached per run: a plan never
//   changes, so live updates only recolour.

/** Every node's box, in layout units (CSS pixels at zoom 1). */
export const NODE_WIDTH = 160;
export const NODE_HEIGHT = 36;
const GAP_X = 48;
const GAP_Y = 14;

/**
 * Columns in dependency order (every task right of its dependencies), balanced in height, each ordered by where its
 * tasks' dependencies sit (one barycentre pass) so that edges mostly run straight. O(tasks × columns) at worst.
 */
export function quickLayout(nodes) {
  const n = nodes.length;
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const deps = nodes.map((node) => node.deps.map((d) => index.get(d)).filter((d) => d !== undefined));
  const dependents = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  deps.forEach((ds, i) => {
    indegree[i] = ds.length;
    for (const d of ds) dependents[d].push(i);
  });
  // Kahn's order: every task after its dependencies; `depth` is the earliest column a task can have.
  const depth = new Int32Array(n);
  const order = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    const i = order[head];
    for (const j of dependents[i]) {
      depth[j] = Math.max(depth[j], depth[i] + 1);
      if (--indegree[j] === 0) order.push(j);
    }
  }
  // Tasks in a cycle (a plan never has one) were never reached: column 0.
  if (order.length < n) for (let i = 0; i < n; i++) if (indegree[i] > 0) order.push(i);
  // The latest column each can have without pushing a dependent right: between the two, the least crowded column
  // wins. Columns by depth alone pile every independent task into a few columns thousands of boxes tall.
  const last = n ? Math.max(...depth) : 0;
  const latest = new Int32Array(n).fill(last);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    for (const j of dependents[i]) latest[i] = Math.min(latest[i], latest[j] - 1);
  }
  const column = new Int32Array(n);
  const size = new Int32Array(last + 1);
  for (const i of order) {
    let lo = 0;
    for (const d of deps[i]) lo = Math.max(lo, column[d] + 1);
    let best = Math.min(lo, last);
    for (let c = best + 1; c <= Math.max(lo, latest[i]) && c <= last; c++) if (size[c] < size[best]) best = c;
    column[i] = best;
    size[best]++;
  }
  const columns = [];
  for (const i of order) (columns[column[i]] ??= []).push(i);
  const row = new Float64Array(n);
  const xy = new Float64Array(n * 2);
  let height = 0;
  columns.forEach((list, c) => {
    if (c > 0) {
      const centre = (i) => (deps[i].length ? deps[i].reduce((s, d) => s + row[d], 0) / deps[i].length : Infinity);
      list.sort((a, b) => centre(a) - centre(b) || a - b);
    }
    list.forEach((i, r) => {
      row[i] = r;
      xy[i * 2] = c * (NODE_WIDTH + GAP_X);
      xy[i * 2 + 1] = r * (NODE_HEIGHT + GAP_Y);
    });
    height = Math.max(height, list.length * (NODE_HEIGHT + GAP_Y));
  });
  // Columns centred on one another, as ELK draws them: the picture does not jump when ELK's replaces it.
  columns.forEach((list) => {
    const shift = (height - list.length * (NODE_HEIGHT + GAP_Y)) / 2;
    for (const i of list) xy[i * 2 + 1] += shift;
  });
  const edges = [];
  deps.forEach((ds, to) => {
    for (const from of ds) {
      const points = [
        xy[from * 2] + NODE_WIDTH,
        xy[from * 2 + 1] + NODE_HEIGHT / 2,
        xy[to * 2],
        xy[to * 2 + 1] + NODE_HEIGHT / 2,
      ];
      edges.push({ from, to, points });
    }
  });
  return { kind: 'quick', xy, edges, width: columns.length * (NODE_WIDTH + GAP_X), height };
}

let worker;
let nextId = 0;
const waiting = new Map();
const cache = new Map();

function layoutWorker() {
  if (!worker) {
    worker = new Worker('/app/layout-worker.js');
    worker.onmessage = ({ data }) => {
      const done = waiting.get(data.id);
      waiting.delete(data.id);
      if (data.error) done?.reject(new Error(data.error));
      else
        done?.resolve({
          kind: 'elk',
          xy: data.xy,
          edges: data.edges,
          width: data.width,
          height: data.height,
          ms: data.ms,
        });
    };
    worker.onerror = (event) => {
      for (const done of waiting.values()) done.reject(new Error(event.message || 'the layout worker failed'));
      waiting.clear();
      worker = undefined;
    };
  }
  return worker;
}

/** The cached ELK layout of a run's plan, if it was laid out already on this page. */
export const cachedLayout = (key) => cache.get(key);

/** ELK's layout of `nodes`, computed once per `key` (run id and plan size) in the worker. */
export function elkLayout(key, nodes) {
  if (cache.has(key)) return Promise.resolve(cache.get(key));
  const id = ++nextId;
  const promise = new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
  layoutWorker().postMessage({
    id,
    nodes: nodes.map((node) => ({ id: node.id, deps: node.deps })),
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
  });
  return promise.then((layout) => {
    cache.set(key, layout);
    return layout;
  });
}
