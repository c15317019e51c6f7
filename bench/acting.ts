/**
 * Agents that act, through the real stack (dev server, worker group with a workspace, simulator, git, bwrap):
 *   1. a tool step's pace against plain Temporal activity round trips, and what committing and pushing adds
 *      (bench/acting-steps.ts);
 *   2. 50 tasks holding checkouts at once on one worker: its memory and the workspace's disk;
 *   3. a 200-step task reading 20 KB files: its history's length and size.
 * Run with `npm run bench -- acting`. BENCH_ACTING_STEPS (default 100), BENCH_ACTING_REPEATS (3),
 * BENCH_ACTING_SLEEP (seconds each of the 50 tasks' command runs, default 2) and BENCH_ACTING_ONLY (steps, concurrent
 * or long) change the scenarios.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ScriptedToolTurn } from '../src/simulator/scenario';
import { historyOf } from '../test/helpers/history';
import { activitiesOf, eventTypes, historySize, loopPace, median } from './acting-history';
import {
  benchRepository,
  diskUse,
  fileName,
  readTurn,
  removeBenchRepositories,
  runGoal,
  startSampler,
  withActingWorker,
  type Say,
} from './acting-setup';
import { benchSteps } from './acting-steps';

const SLEEP_SECONDS = Number(process.env.BENCH_ACTING_SLEEP ?? 2);
const ONLY = process.env.BENCH_ACTING_ONLY;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** 2. 50 tasks at once, each holding a checkout while a command runs: the worker's memory and the disk. */
async function benchConcurrent(env: TestWorkflowEnvironment, say: Say): Promise<void> {
  const count = 50;
  const repo = benchRepository(20, 20 * 1024);
  const ids = Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const script = (id: string): ScriptedToolTurn[] => [
    readTurn('README.md'),
    { tool: 'write_file', arguments: { path: `out/${id}.txt`, content: `written by ${id}\n` } },
    { tool: 'run_command', arguments: { command: `sleep ${SLEEP_SECONDS}` } },
  ];
  const scenario = { tasks: Object.fromEntries(ids.map((id) => [id, { toolScript: script(id) }])) };
  await withActingWorker(env, scenario, async (h) => {
    const rssBefore = process.memoryUsage().rss;
    const sampler = startSampler(h.root);
    const started = Date.now();
    const view = await runGoal(env.client, h, ids, {
      maxConcurrency: count,
      budgetCredits: 1e6,
      workspace: { repo, policy: { commands: ['sleep'] } },
    });
    const wallMs = Date.now() - started;
    const samples = await sampler.stop();
    const most = Math.max(...samples.map((s) => s.checkouts));
    const atMost = samples.filter((s) => s.checkouts === most);
    const peakRss = Math.max(...samples.map((s) => s.rssBytes));
    const peakDisk = Math.max(...samples.map((s) => s.diskBytes));
    const cache = await diskUse(`${h.root}/cache`);
    const interval = (samples.at(-1)!.atMs - samples[0]!.atMs) / Math.max(1, samples.length - 1);
    const merged = view.workspace?.integration?.ok ? view.workspace.integration.merged.length : 0;
    say(
      `${count} tasks, maxConcurrency ${count}, each: read README.md, write a file (commit + push), run \`sleep ${SLEEP_SECONDS}\` ` +
        `in bwrap, finish; a repository of 20 files of 20 KB. Wall time ${(wallMs / 1000).toFixed(1)} s, ${merged} branches ` +
        `merged into the result; ${samples.length} samples, one every ${interval.toFixed(0)} ms on average.`,
    );
    say('');
    say('| measure | value |');
    say('| --- | --- |');
    say(`| most checkouts present at once | ${most} (in ${atMost.length} samples) |`);
    say(`| worker process RSS before the run | ${mb(rssBefore)} |`);
    say(`| worker process RSS, peak | ${mb(peakRss)} |`);
    say(`| worker process RSS with the most checkouts present | ${mb(Math.max(...atMost.map((s) => s.rssBytes)))} |`);
    say(`| workspace root (du -sb), peak | ${mb(peakDisk)} |`);
    say(`| workspace root with the most checkouts present | ${mb(Math.max(...atMost.map((s) => s.diskBytes)))} |`);
    say(`| of which the clone cache (after the run) | ${mb(cache)} |`);
    say(
      `| per checkout (root with the most present − cache) / ${most} | ` +
        `${((Math.max(...atMost.map((s) => s.diskBytes)) - cache) / most / 1024).toFixed(0)} KiB |`,
    );
    say('');
  });
}

/** 3. A 200-step task (199 reads of 20 KB files, then finish): how long and how large its history grows. */
async function benchLongTask(env: TestWorkflowEnvironment, say: Say): Promise<void> {
  const steps = 200;
  const repo = benchRepository(20, 20 * 1024);
  const toolScript = Array.from({ length: steps - 1 }, (_, i) => readTurn(fileName(i % 20)));
  await withActingWorker(env, { tasks: { long: { toolScript } } }, async (h) => {
    const started = Date.now();
    const view = await runGoal(env.client, h, ['long'], {
      budgetCredits: 1e9,
      workspace: { repo, policy: { maxStepsPerRound: steps } },
    });
    const wallMs = Date.now() - started;
    const task = view.tasks[0]!;
    if (task.work?.steps !== steps) throw new Error(`the long task took ${task.work?.steps} steps, not ${steps}`);
    const acts = activitiesOf(await historyOf(env.client, task.workflowId));
    const first = loopPace(acts, 'agentTurn', 0, 20);
    const last = loopPace(acts, 'agentTurn', steps - 21, steps - 1);
    const taskHistory = await historySize(env.client, task.workflowId);
    const runHistory = await historySize(env.client, view.runId);
    const row = (name: string, s: typeof taskHistory) =>
      say(
        `| ${name} | ${s.events} | ${s.bytes.toLocaleString('en')} | ${s.serverBytes?.toLocaleString('en') ?? 'n/a'} |`,
      );
    say(
      `One task, ${steps} steps (${steps - 1} read_file of 20 KB files, cut to the 12,000-character output limit, then ` +
        `finish; maxStepsPerRound ${steps}), then review. Run wall time ${(wallMs / 1000).toFixed(1)} s; the task spent ` +
        `${(task.spentMillicredits / 1000).toFixed(0)} credits in ${task.modelCalls} model calls.`,
    );
    say('');
    say('| history | events | bytes (sum of encoded events) | bytes (server historySizeBytes) |');
    say('| --- | --- | --- | --- |');
    row('task workflow', taskHistory);
    row('run workflow', runHistory);
    say('');
    // The simulator's own time for the same turns: what a model would take, as against the worker's share.
    const turns = h.sim.requests().filter((r) => r.task === 'long' && r.kind === 'implementer' && r.finishedAt);
    const simMs = (from: number, to: number) => median(turns.slice(from, to).map((r) => r.finishedAt! - r.receivedAt));
    say(
      `Step pace: ${ms(first.periodMs)} per step over steps 1–20 (agentTurn inside ${ms(first.hops.agentTurn!.insideMs)}, ` +
        `of which the simulator ${ms(simMs(0, 20))}), ${ms(last.periodMs)} over steps ${steps - 20}–${steps - 1} ` +
        `(agentTurn inside ${ms(last.hops.agentTurn!.insideMs)}, the simulator ${ms(simMs(steps - 21, steps - 1))}).`,
    );
    const types = await eventTypes(env.client, task.workflowId);
    say(
      `Task history by event type (events, bytes): ` +
        `${types.map(([t, n, b]) => `${t.replace(/^EVENT_TYPE_/, '')} ${n}, ${b.toLocaleString('en')}`).join('; ')}.`,
    );
    say('');
  });
}

/** The acting scenarios, one after the other, on `env`'s server. */
export async function benchActing(env: TestWorkflowEnvironment, say: Say): Promise<void> {
  try {
    if (!ONLY || ONLY === 'steps') await benchSteps(env, say);
    if (!ONLY || ONLY === 'concurrent') await benchConcurrent(env, say);
    if (!ONLY || ONLY === 'long') await benchLongTask(env, say);
  } finally {
    removeBenchRepositories();
  }
}
