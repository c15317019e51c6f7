/* global ELK, importScripts */
// The ELK layered layout, off the page's thread: a plan of 5,000 tasks takes seconds to lay out, during which the page
// must stay responsive. A classic worker, because elk.bundled.js is a script that defines the global ELK.
importScripts('/vendor/elk.bundled.js');

/**
 * Above this many tasks, a faster and plainer layout (measured on 5,000 tasks: ~3 s instead of ~12 s, and a picture
 * 2:1 instead of 1:1 with ten times fewer bends): at that size the picture is an overview anyway.
 */
const LARGE = 300;

const elk = new ELK();

self.onmessage = async (event) => {
  const { id, nodes, width, height } = event.data;
  const started = performance.now();
  const large = nodes.length > LARGE;
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '14',
      'elk.spacing.edgeNode': '10',
      ...(large
        ? {
            'elk.layered.thoroughness': '1',
            'elk.layered.nodePlacement.strategy': 'SIMPLE',
            'elk.edgeRouting': 'POLYLINE',
          }
        : {}),
    },
    children: nodes.map((n) => ({ id: n.id, width, height })),
    edges: nodes.flatMap((n, i) => n.deps.map((d, k) => ({ id: `e${i}_${k}`, sources: [d], targets: [n.id] }))),
  };
  try {
    const out = await elk.layout(graph);
    const index = new Map(nodes.map((n, i) => [n.id, i]));
    // Positions in plan order, so the page need not look ids up again.
    const xy = new Float64Array(nodes.length * 2);
    for (const c of out.children) {
      const i = index.get(c.id);
      xy[i * 2] = c.x;
      xy[i * 2 + 1] = c.y;
    }
    // Each edge as its polyline: [from, to, x0, y0, x1, y1, …] flattened, with offsets into it.
    const edges = [];
    for (const e of out.edges) {
      for (const s of e.sections ?? []) {
        edges.push({
          from: index.get(e.sources[0]),
          to: index.get(e.targets[0]),
          points: [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].flatMap((p) => [p.x, p.y]),
        });
      }
    }
    self.postMessage({ id, xy, edges, width: out.width, height: out.height, ms: performance.now() - started }, [
      xy.buffer,
    ]);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message ? err.message : err) });
  }
};
