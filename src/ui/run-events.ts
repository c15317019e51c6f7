import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskStatus } from '../domain/run';
import type { CreditPoint, RunDetails } from '../domain/run-details';

/**
 * What the page is sent about a run, as server-sent events: the run in full first, then only what changed (the plan
 * never changes; a 5,000-task run is ~1.5 MB in full, an update a few kilobytes).
 */

/** The run as the page gets it: without the status view's task list (the graph has every task's state). */
export type PageRunDetails = Omit<RunDetails, 'view'> & { view: Omit<RunDetails['view'], 'tasks'> };

/** One server-sent message; the page applies them in order. */
export type RunEvent =
  | { kind: 'full'; details: PageRunDetails }
  | {
      kind: 'update';
      details: Omit<PageRunDetails, 'graph' | 'credits'>;
      /** Tasks whose state changed, by id. */
      statuses: Record<string, TaskStatus>;
      /** Credit points after the first `creditsFrom` the page already has. */
      credits: CreditPoint[];
      creditsFrom: number;
    }
  | { kind: 'problem'; status: number; error: string; final: boolean };

/** A run's details without its status view's task list. */
export function forPage(details: RunDetails): PageRunDetails {
  return { ...details, view: without(details.view, 'tasks') };
}

function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

/** What changed from `a` to `b`, or undefined when the plan itself changed (planning ended): then a full message. */
export function eventBetween(a: RunDetails, b: RunDetails): RunEvent | undefined {
  if (a.graph.length !== b.graph.length || b.credits.length < a.credits.length) return undefined;
  const statuses: Record<string, TaskStatus> = {};
  for (let i = 0; i < b.graph.length; i++) {
    const before = a.graph[i]!;
    const after = b.graph[i]!;
    if (before.id !== after.id) return undefined;
    if (before.status !== after.status) statuses[after.id] = after.status;
  }
  return {
    kind: 'update',
    details: without(forPage(b), 'graph', 'credits'),
    statuses,
    credits: b.credits.slice(a.credits.length),
    creditsFrom: a.credits.length,
  };
}

/** Answers GET /api/runs/:runId/events: an event stream until the run closes or the page goes away. */
export function serveRunEvents(
  req: IncomingMessage,
  res: ServerResponse,
  runId: string,
  watchers: { watch(runId: string, send: (event: RunEvent) => void, close: () => void): () => void },
): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  // Proxies close idle connections; a comment every 15 s keeps the stream open without waking the page.
  res.write('retry: 3000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    res.end();
  };
  const unwatch = watchers.watch(
    runId,
    (event) => {
      if (!ended) res.write(`event: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
    },
    end,
  );
  req.on('close', () => {
    unwatch();
    end();
  });
}
