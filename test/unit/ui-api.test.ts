/**
 * The UI server's API against a stand-in for Temporal: reads answer 404 with the library's message for what does not
 * exist, decisions refuse malformed bodies naming the field and pass the run's own refusal on, and live runs are
 * polled once however many watch them, pushing only what changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunEvent } from '../../src/ui/run-events';
import { startUiServer, type UiServer } from '../../src/ui/server';
import { request, readEvents } from '../helpers/http';
import { createFakeBackend, detailsOf, type FakeBackend } from '../helpers/ui-backend';

const PLAN = {
  goal: 'g',
  tasks: [
    { id: 'a', title: 'First', acceptanceCriteria: ['done'] },
    { id: 'b', title: 'Second', deps: ['a'], acceptanceCriteria: ['done'] },
  ],
};

let server: UiServer;
let backend: FakeBackend;
let session: { cookie: string; csrf: string };

async function api(path: string, options: { method?: string; body?: unknown } = {}) {
  const host = new URL(server.url).host;
  return request(`${server.url}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      Cookie: session.cookie,
      'Content-Type': 'application/json',
      Origin: `http://${host}`,
      'x-planwright-csrf': session.csrf,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}
const errorOf = (res: { json: unknown }) => (res.json as { error: string }).error;

before(async () => {
  backend = createFakeBackend([
    detailsOf('live', PLAN, { statuses: { a: 'running' } }),
    detailsOf('done', PLAN, { live: false, status: 'succeeded' }),
  ]);
  backend.runs.get('live')!.view.pendingApprovals = [
    { taskId: 'a', shortfallMillicredits: 1500, since: '2026-11-21T10:00:05.000Z', requestId: 'q1' },
  ];
  server = await startUiServer({
    backend,
    auth: { kind: 'local', user: 'ana' },
    port: 0,
    watchers: { intervalMs: 50 },
  });
  const res = await request(`${server.url}/api/session`);
  session = {
    cookie: String(res.headers['set-cookie']?.[0]).split(';')[0]!,
    csrf: (res.json as { csrfToken: string }).csrfToken,
  };
});
after(() => server.close());

describe('reading runs', () => {
  it('answers an unknown run or task with 404 and the library’s message', async () => {
    const run = await api('/api/runs/nope');
    assert.equal(run.status, 404);
    assert.equal(errorOf(run), 'no run with id "nope"');
    const task = await api('/api/runs/live/tasks/zz');
    assert.equal(task.status, 404);
    assert.match(errorOf(task), /no task "zz"/);
  });

  it('gives a run without its status view’s task list, and a task with its details', async () => {
    const run = await api('/api/runs/live');
    assert.equal(run.status, 200);
    const body = run.json as { graph: unknown[]; view: Record<string, unknown> };
    assert.equal(body.graph.length, 2);
    assert.equal(body.view.tasks, undefined);
    const task = await api('/api/runs/live/tasks/a');
    assert.equal((task.json as { details: { modelCalls: unknown[] } }).details.modelCalls.length, 1);
  });

  it('lists waiting runs first, with what they wait for, and refuses a status no run can have', async () => {
    const list = await api('/api/runs');
    const runs = (list.json as { runs: { runId: string; waitingTasks?: { taskId: string }[] }[] }).runs;
    assert.deepEqual(
      runs.map((r) => [r.runId, r.waitingTasks?.map((t) => t.taskId)]),
      [
        ['live', ['a']],
        ['done', undefined],
      ],
    );
    const bad = await api('/api/runs?status=sleeping');
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad), /unknown status "sleeping"; use one of/);
  });
});

describe('decisions', () => {
  it('refuses a malformed approval with 400, naming the field, before it reaches the run', async () => {
    const sent = backend.sent.length;
    for (const [body, field] of [
      [{ taskId: 'a', credits: -1 }, /credits/],
      [{ taskId: 'a', credits: '5' }, /credits/],
      [{ credits: 5 }, /taskId/],
      [{ taskId: 'a', credits: 5, note: 'x'.repeat(2001) }, /note/],
    ] as const) {
      const res = await api('/api/runs/live/approve-budget', { method: 'POST', body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(errorOf(res), field);
    }
    const deny = await api('/api/runs/live/deny-budget', { method: 'POST', body: { taskId: 'a', reason: '  ' } });
    assert.equal(deny.status, 400);
    assert.match(errorOf(deny), /reason/);
    const notJson = await request(`${server.url}/api/runs/live/approve-budget`, {
      method: 'POST',
      headers: { Cookie: session.cookie, 'Content-Type': 'application/json', 'x-planwright-csrf': session.csrf },
      body: '{"taskId":',
    });
    assert.equal(notJson.status, 400);
    assert.equal(backend.sent.length, sent);
  });

  it('passes the run’s refusal on with 409 and its reason', async () => {
    backend.answer = { accepted: false, reason: 'task "a" is not waiting for approval (it is running)' };
    try {
      const res = await api('/api/runs/live/approve-budget', { method: 'POST', body: { taskId: 'a', credits: 5 } });
      assert.equal(res.status, 409);
      assert.equal(errorOf(res), 'the run refused the approval: task "a" is not waiting for approval (it is running)');
      const tool = await api('/api/runs/live/deny-tool-call', {
        method: 'POST',
        body: { requestId: 'a/s1', reason: 'no' },
      });
      assert.equal(tool.status, 409);
      assert.match(errorOf(tool), /the run refused the denial/);
    } finally {
      backend.answer = { accepted: true };
    }
  });

  it('answers 202 when no worker answered and the decision went as a durable signal, naming its id', async () => {
    backend.answer = 'signalled';
    try {
      const res = await api('/api/runs/live/approve-budget', { method: 'POST', body: { taskId: 'a', credits: 5 } });
      assert.equal(res.status, 202);
      const body = res.json as { queued: boolean; decisionId: string; message: string };
      assert.equal(body.queued, true);
      assert.match(body.message, /No worker answered within 5 s, so the approval went as a signal \(decision d-\d+\)/);
    } finally {
      backend.answer = { accepted: true };
    }
  });

  it('answers a decision for an unknown run with 409 and the library’s message, and an unknown action with 404', async () => {
    const res = await api('/api/runs/nope/approve-budget', { method: 'POST', body: { taskId: 'a', credits: 5 } });
    assert.equal(res.status, 409);
    assert.equal(errorOf(res), 'no run with id "nope"');
    assert.equal((await api('/api/runs/live/toString', { method: 'POST', body: {} })).status, 404);
  });
});

describe('live updates', () => {
  const eventsOf = (runId: string, count: number) =>
    readEvents(`${server.url}/api/runs/${runId}/events`, { Cookie: session.cookie }, count) as Promise<RunEvent[]>;

  it('polls a run once for all its watchers, pushes only changed task states, and stops when they leave', async () => {
    const first = eventsOf('live', 2);
    const second = eventsOf('live', 2);
    await sleep(150);
    assert.equal(server.watchers.polling, 1);
    backend.runs.get('live')!.graph[0]!.status = 'succeeded';
    const [a, b] = await Promise.all([first, second]);
    for (const events of [a, b]) {
      assert.equal(events[0]?.kind, 'full');
      assert.deepEqual(events[1], { ...events[1], kind: 'update', statuses: { a: 'succeeded' } });
      assert.equal('graph' in (events[1] as { details: object }).details, false);
    }
    await sleep(150);
    assert.equal(server.watchers.polling, 0, 'nobody watches: no poller');
    const reads = backend.reads.get('live');
    await sleep(200);
    assert.equal(backend.reads.get('live'), reads, 'no read after the watchers left');
  });

  it('shows a reload the run’s last state at once, then reads it afresh', async () => {
    backend.runs.get('live')!.graph[1]!.status = 'running';
    const reads = backend.reads.get('live') ?? 0;
    const [kept, fresh] = await eventsOf('live', 2);
    assert.equal(kept?.kind, 'full');
    assert.deepEqual(
      (kept as { details: { graph: { status: string }[] } }).details.graph.map((n) => n.status),
      ['succeeded', 'pending'],
      'the state as last read, before the new read',
    );
    assert.deepEqual(fresh, { ...fresh, kind: 'update', statuses: { b: 'running' } });
    assert.ok((backend.reads.get('live') ?? 0) > reads);
  });

  it('sends a closed run once and ends the stream; an unknown run gets a final 404 problem', async () => {
    const done = await eventsOf('done', 5);
    assert.deepEqual(
      done.map((e) => e.kind),
      ['full'],
    );
    const nope = await eventsOf('nope', 5);
    assert.deepEqual(nope, [{ kind: 'problem', status: 404, error: 'no run with id "nope"', final: true }]);
  });
});
