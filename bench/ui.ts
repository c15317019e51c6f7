/**
 * The UI's run page for a plan of 5,000 tasks, in headless Chromium against a real run (dev server, worker,
 * simulator): how soon the first picture is drawn, when ELK's layout replaces it, the longest stretch the page's
 * thread was busy (input waits that long at worst), and what a read of the run costs the server. Once live (some tasks
 * done, some running, most pending), once completed (read from its result and histories, no worker running). Run with `npm run bench -- ui`;
 * BENCH_UI_TASKS changes the plan's size (default 5000).
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser } from 'playwright-core';
import { readRunDetails } from '../src/client';
import { ensureChromium } from '../src/infra/chromium';
import type { ScenarioInput } from '../src/simulator/scenario';
import { createTemporalBackend } from '../src/ui/backend';
import { startUiServer, type UiServer } from '../src/ui/server';
import { launchChromium } from '../test/helpers/browser';
import { randomPlan } from '../test/helpers/dags';
import { waitFor } from '../test/helpers/history';
import { uniqueId } from '../test/helpers/temporal';

type Say = (line: string) => void;
type WithWorker = <T>(scenario: ScenarioInput, fn: (taskQueue: string) => Promise<T>) => Promise<T>;

const COUNT = Number(process.env.BENCH_UI_TASKS ?? 5000);
const LINKS = { webUiUrl: 'http://localhost:8233', namespace: 'default' };
/** Page loads measured per state; the median is reported. */
const LOADS = 3;

/** What one page load showed, in ms after navigation started. */
interface Load {
  firstPictureMs: number;
  elkMs: number;
  longestTaskMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function loadPage(browser: Browser, url: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  // Every stretch over 50 ms the page's thread was busy, from the start: the page cannot answer input meanwhile.
  await page.addInitScript(() => {
    const w = globalThis as unknown as { longTasks: number[] };
    w.longTasks = [];
    // Node's types know no 'longtask' entries; the browser's do.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask' as never, buffered: true });
  });
  await page.goto(url);
  const mark = (name: string) =>
    page.waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: 180_000 });
  const firstPictureMs = Number(await (await mark('planwright:graph-drawn:quick')).jsonValue());
  const elkMs = Number(await (await mark('planwright:graph-drawn:elk')).jsonValue());
  // A few live updates after ELK's picture: recolouring must not block either.
  await page.waitForTimeout(3000);
  const longTasks = await page.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks);
  await context.close();
  return { firstPictureMs, elkMs, longestTaskMs: Math.max(0, ...longTasks) };
}

async function readCost(client: Client, runId: string) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const details = await readRunDetails(client, runId, LINKS);
    times.push(Date.now() - started);
    bytes = JSON.stringify(details).length;
  }
  return { ms: median(times), bytes };
}

export async function benchUi(env: TestWorkflowEnvironment, say: Say, withWorker: WithWorker): Promise<void> {
  const setup = ensureChromium();
  if (!setup.ok) throw new Error(`the UI benchmark needs Chromium: ${setup.reason}`);
  const plan = randomPlan(COUNT, 21, { window: 200 });
  const runId = uniqueId(`bench-ui-${COUNT}`);
  const browser = await launchChromium(setup.path);
  const serve = () =>
    startUiServer({
      backend: createTemporalBackend(env.client, LINKS),
      auth: { kind: 'local', user: 'bench' },
      port: 0,
    });
  const pageOf = (ui: UiServer) => `${ui.url}/runs/${encodeURIComponent(runId)}`;
  try {
    say(
      `| ${COUNT}-task run page (medians of ${LOADS} loads) | first picture, first open | first picture, reload | ELK layout drawn | longest busy page thread | read of the run (server) | run as JSON |`,
    );
    say('| --- | --- | --- | --- | --- | --- | --- |');
    const row = async (label: string) => {
      // First opens: a UI server that has not read the run yet. Reloads: one that just showed it to someone.
      const cold: Load[] = [];
      for (let i = 0; i < LOADS; i++) {
        const ui = await serve();
        cold.push(await loadPage(browser, pageOf(ui)));
        await ui.close();
      }
      const ui = await serve();
      const warm: Load[] = [];
      for (let i = 0; i <= LOADS; i++) warm.push(await loadPage(browser, pageOf(ui)));
      await ui.close();
      const loads = [...cold, ...warm.slice(1)];
      const cost = await readCost(env.client, runId);
      say(
        `| ${label} | ${median(cold.map((l) => l.firstPictureMs)).toFixed(0)} ms | ` +
          `${median(warm.slice(1).map((l) => l.firstPictureMs)).toFixed(0)} ms | ` +
          `${(median(loads.map((l) => l.elkMs)) / 1000).toFixed(1)} s | ${median(loads.map((l) => l.longestTaskMs)).toFixed(0)} ms | ` +
          `${cost.ms} ms | ${(cost.bytes / 1024).toFixed(0)} KiB |`,
      );
    };
    // Model calls of ~1 s keep the run going while the page is measured; 50 at once, as in the scale benchmark.
    const scenario: ScenarioInput = { latency: { implementer: { medianMs: 700 }, reviewer: { medianMs: 300 } } };
    await withWorker(scenario, async (taskQueue) => {
      const handle = await env.client.workflow.start('goalWorkflow', {
        taskQueue,
        workflowId: runId,
        args: [{ goal: plan.goal, plan, maxConcurrency: 50, budgetCredits: COUNT * 40 }],
        workflowExecutionTimeout: '2 hours',
      });
      await waitFor(
        'a few hundred tasks to end',
        async () =>
          (await readRunDetails(env.client, runId, LINKS)).graph.filter((n) => n.status === 'succeeded').length >= 300,
        600_000,
      );
      await row('live: tasks ending, 50 running, the rest pending');
      await handle.result();
    });
    await row('closed (completed), read from its result and histories with no worker');
    say('');
  } finally {
    await browser.close();
  }
}
