/**
 * Benchmarks through the real stack: a Temporal dev server, a worker, the simulator over HTTP. Never a timed test.
 *   npm run bench                  # all scenarios
 *   npm run bench -- makespan      # only the makespan scenarios (120 and 500 tasks)
 *   npm run bench -- scale         # only the 5,000-task throughput scenario and its baselines
 *   npm run bench -- acting        # only agents that act: tool steps, 50 checkouts at once, a 200-step task
 *   npm run bench -- ui            # only the UI's page of a 5,000-task run, live and closed, in Chromium
 *   npm run bench -- guards        # only the host-side guards of agent steps on a 10,000-file checkout
 */
import { cpus, totalmem } from 'node:os';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createOpenAIClient } from '../src/activities/model/client';
import type { PlanInput } from '../src/domain/plan';
import type { RunView } from '../src/domain/run';
import { dataConverter } from '../src/infra/data-converter';
import { devServerTuningFlags } from '../src/infra/dev-server';
import type { ScenarioInput } from '../src/simulator/scenario';
import { startSimulator, type Simulator } from '../src/simulator/server';
import { HEARTBEAT_THROTTLE } from '../src/worker';
import { randomPlan } from '../test/helpers/dags';
import { historyOf } from '../test/helpers/history';
import { createTestEnvironment, simSettings, uniqueId } from '../test/helpers/temporal';
import { benchActing } from './acting';
import { benchActivities } from './activities';
import { orchestrationHops } from './breakdown';
import { benchCheckout } from './checkout';
import { devServerPid, processCpuMs } from './cpu';
import { makespanLowerBound, scheduledMakespan } from './stats';
import { benchStepGuards } from './step-guards';
import { benchUi } from './ui';
import type { PlainDagTask } from './workflows';

const which = process.argv[2] ?? 'all';
const lines: string[] = [];
const say = (line: string) => {
  console.log(line);
  lines.push(line);
};

async function withBenchWorker<T>(
  client: Client,
  connection: Parameters<typeof Worker.create>[0]['connection'],
  scenario: ScenarioInput,
  fn: (taskQueue: string, sim: Simulator) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator({ scenario, logBodies: false });
  const settings = simSettings(sim);
  const taskQueue = uniqueId('bench');
  const worker = await Worker.create({
    connection,
    dataConverter,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    taskQueue,
    workflowBundle: await bundle,
    activities: { ...createActivities({ openai: createOpenAIClient(settings), settings }), ...benchActivities },
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
  });
  try {
    return await worker.runUntil(fn(taskQueue, sim));
  } finally {
    await sim.close();
  }
}

let bundle: ReturnType<typeof bundleWorkflowCode>;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * What each task's model calls took, by the simulator's own timing (not the run's overheads): per call, and summed as
 * the task's work.
 */
function modelTimes(sim: Simulator) {
  const calls = new Map<string, number[]>();
  for (const r of sim.requests()) {
    if (r.task) calls.set(r.task, [...(calls.get(r.task) ?? []), (r.finishedAt ?? r.receivedAt) - r.receivedAt]);
  }
  const work = new Map([...calls].map(([id, ms]) => [id, ms.reduce((x, y) => x + y, 0)]));
  return { calls, work };
}

/** When each task of a finished run started and ended. */
const taskTimes = (view: RunView) =>
  view.tasks.map((t) => ({ id: t.id, startedAt: Date.parse(t.startedAt!), finishedAt: Date.parse(t.finishedAt!) }));

/** Makespan of a run's tasks, and how long a task held its slot beyond its model time, on average. */
function spanOf(tasks: { id: string; startedAt: number; finishedAt: number }[], work: ReadonlyMap<string, number>) {
  const makespanMs = Math.max(...tasks.map((t) => t.finishedAt)) - Math.min(...tasks.map((t) => t.startedAt));
  const held = tasks.map((t) => t.finishedAt - t.startedAt - (work.get(t.id) ?? 0));
  return { makespanMs, overheadMs: held.reduce((x, y) => x + y, 0) / held.length };
}

/**
 * How long each task's two model calls take:
 * - independent: implement ~0.7 s and review ~0.3 s (lognormal medians, sigma 0.5) whatever the task's effort, so the
 *   planner's estimates say nothing about durations and critical-path priority is a guess;
 * - by effort: both calls ~0.5 s x effort / 3, so a task's estimate predicts its duration, as a planner's should;
 * - by effort, x5: the same, five times longer (~5 s a task), where a task's fixed orchestration weighs a fifth.
 */
type LatencyModel = 'independent' | 'effort' | 'effort-x5';
const LATENCY_LABELS: Record<LatencyModel, string> = {
  independent: '~1 s, independent of effort',
  effort: '~1 s, by effort',
  'effort-x5': '~5 s, by effort',
};
const MAKESPAN_SCENARIOS: { count: number; concurrency: number; seed: number; latencies: LatencyModel }[] = [
  { count: 120, concurrency: 8, seed: 11, latencies: 'independent' },
  { count: 500, concurrency: 16, seed: 12, latencies: 'independent' },
  { count: 120, concurrency: 8, seed: 11, latencies: 'effort' },
  { count: 500, concurrency: 16, seed: 12, latencies: 'effort' },
  { count: 120, concurrency: 8, seed: 11, latencies: 'effort-x5' },
];

function scenarioFor(plan: PlanInput, seed: number, latencies: LatencyModel): ScenarioInput {
  if (latencies === 'independent') {
    return {
      seed,
      latency: { implementer: { medianMs: 700, sigma: 0.5 }, reviewer: { medianMs: 300, sigma: 0.5 } },
    };
  }
  const scale = latencies === 'effort-x5' ? 5 : 1;
  return {
    seed,
    tasks: Object.fromEntries(
      plan.tasks.map((t) => [t.id, { latencyMs: { medianMs: (500 * scale * (t.effort ?? 3)) / 3, sigma: 0.5 } }]),
    ),
  };
}

async function main() {
  const env = await createTestEnvironment();
  bundle = bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
    ...(dataConverter.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
  });
  const client = env.client;
  say(
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  say(
    `Server: Temporal CLI dev server (in-memory; ${devServerTuningFlags().join(' ')}), worker and simulator in one ` +
      `process; ${new Date().toISOString()}`,
  );
  say('');

  if (which === 'all' || which === 'makespan') {
    say(
      '| tasks | concurrency | latencies | lower bound | Planwright makespan | **bound / makespan** | plain Temporal, same DAG and times | our scheduler, no overhead | overhead per task (Planwright / plain) |',
    );
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    let breakdown: { count: number; hops: Awaited<ReturnType<typeof orchestrationHops>> } | undefined;
    for (const { count, concurrency, seed, latencies } of MAKESPAN_SCENARIOS) {
      const plan = randomPlan(count, seed, { window: 40 });
      await withBenchWorker(
        client,
        env.nativeConnection,
        scenarioFor(plan, seed, latencies),
        async (taskQueue, sim) => {
          const view: RunView = await client.workflow.execute('goalWorkflow', {
            taskQueue,
            workflowId: uniqueId(`bench-${count}`),
            args: [{ goal: plan.goal, plan, maxConcurrency: concurrency, budgetCredits: count * 40 }],
          });
          if (view.status !== 'succeeded') throw new Error(`run ${view.runId} ended ${view.status}`);
          const { calls, work } = modelTimes(sim);
          const b = makespanLowerBound(plan, work, concurrency);
          const planwright = spanOf(taskTimes(view), work);
          // The same DAG, order and model times through plain children whose two activities just wait.
          const plainTasks: PlainDagTask[] = plan.tasks.map((t) => {
            const [first = 0, second = 0] = calls.get(t.id) ?? [];
            return { id: t.id, deps: t.deps ?? [], effort: t.effort ?? 1, sleepsMs: [first, second] };
          });
          const plain = spanOf(
            await client.workflow.execute('plainDagWorkflow', {
              taskQueue,
              workflowId: uniqueId(`bench-plain-${count}`),
              args: [plainTasks, concurrency],
            }),
            work,
          );
          if (!breakdown) breakdown = { count, hops: await orchestrationHops(client, view, sim.requests()) };
          const ideal = scheduledMakespan(plan, work, concurrency);
          say(
            `| ${count} | ${concurrency} | ${LATENCY_LABELS[latencies]} | ${seconds(b.boundMs)} ` +
              `(${b.boundMs === b.criticalPathMs ? 'critical path' : 'work / cap'}) | ${seconds(planwright.makespanMs)} | ` +
              `**${(b.boundMs / planwright.makespanMs).toFixed(3)}** | ${(b.boundMs / plain.makespanMs).toFixed(3)} | ` +
              `${(b.boundMs / ideal).toFixed(3)} | ${planwright.overheadMs.toFixed(0)} ms / ${plain.overheadMs.toFixed(0)} ms |`,
          );
        },
      );
    }
    say('');
    if (breakdown) {
      say(`Where a task's orchestration goes (means over the ${breakdown.count}-task run above):`);
      say('');
      say('| hop | mean |');
      say('| --- | --- |');
      for (const { hop, meanMs } of breakdown.hops) say(`| ${hop} | ${meanMs.toFixed(1)} ms |`);
      const total = breakdown.hops.reduce((sum, h) => sum + h.meanMs, 0);
      say(`| **total** | **${total.toFixed(1)} ms** |`);
      say('');
    }
  }

  if (which === 'all' || which === 'budget') {
    // Budget bookkeeping on the common path: the same 120-task DAG at the default budget's scale and unlimited.
    const count = 120;
    const concurrency = 8;
    const seed = 11;
    const plan = randomPlan(count, seed, { window: 40 });
    say('| budget | lower bound | makespan | **bound / makespan** | credit requests | auto-approved | person needed |');
    say('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [label, budgetCredits] of [
      ['2,000 credits (default auto-approval)', 2000],
      ['unlimited (1e9 credits)', 1e9],
    ] as const) {
      await withBenchWorker(
        client,
        env.nativeConnection,
        scenarioFor(plan, seed, 'independent'),
        async (taskQueue, sim) => {
          const view: RunView = await client.workflow.execute('goalWorkflow', {
            taskQueue,
            workflowId: uniqueId(`bench-budget-${count}`),
            args: [{ goal: plan.goal, plan, maxConcurrency: concurrency, budgetCredits }],
          });
          if (view.status !== 'succeeded') throw new Error(`run ${view.runId} ended ${view.status}`);
          const { work } = modelTimes(sim);
          const b = makespanLowerBound(plan, work, concurrency);
          const span = spanOf(taskTimes(view), work);
          const events = await historyOf(client, view.runId);
          const requests = events.filter(
            (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'requestCredits',
          );
          const auto = view.decisions.filter((d) => d.decision === 'auto-approved').length;
          say(
            `| ${label} | ${seconds(b.boundMs)} | ${seconds(span.makespanMs)} | **${(b.boundMs / span.makespanMs).toFixed(3)}** | ` +
              `${requests.length} | ${auto} | ${view.decisions.filter((d) => d.decision === 'approved').length} |`,
          );
        },
      );
    }
    say('');
  }

  if (which === 'all' || which === 'checkout') {
    // Preparing a task's checkout of a 10,000-file repository from a warm worker cache (target: median <= 1 s).
    const result = await benchCheckout();
    say(
      '| checkout mode | median | p90 | cold (creates the cache) | plain git checkout, median | added by Planwright |',
    );
    say('| --- | --- | --- | --- | --- | --- |');
    for (const [mode, t] of Object.entries(result.modes)) {
      say(
        `| ${mode} (${result.files} files, ${result.runs} runs) | ${t.medianMs.toFixed(0)} ms | ${t.p90Ms.toFixed(0)} ms | ` +
          `${t.coldMs.toFixed(0)} ms | ${t.baseline.medianMs.toFixed(0)} ms | ${t.overheadMedianMs.toFixed(0)} ms |`,
      );
    }
    say('');
  }

  if (which === 'all' || which === 'guards') {
    // What every agent step and every check pays for the host-side guards (docs/security.md).
    const g = await benchStepGuards();
    say(`| guard (${g.files}-file checkout, ${g.runs} runs) | median | p90 | min | max |`);
    say('| --- | --- | --- | --- | --- |');
    for (const [name, t] of [
      ['walk: embedded repositories and size (every step)', g.scan],
      ['screening a one-file step (walk, status, limits)', g.screen],
      ['fresh checkout of the commit (every check)', g.committedTree],
      ['plain git checkout of the same commit, beside it', g.plainCheckout],
    ] as const) {
      say(`| ${name} | ${t.medianMs} ms | ${t.p90Ms} ms | ${t.minMs} ms | ${t.maxMs} ms |`);
    }
    say('');
  }

  if (which === 'all' || which === 'acting') await benchActing(env, say);

  if (which === 'all' || which === 'ui') {
    await benchUi(env, say, (scenario, fn) => withBenchWorker(client, env.nativeConnection, scenario, (tq) => fn(tq)));
  }

  if (which === 'all' || which === 'scale') {
    const count = Number(process.env.BENCH_SCALE_TASKS ?? 5000);
    const concurrency = 50;
    const plan = randomPlan(count, 21, { window: 200 });
    say(
      `| ${count} tasks, concurrency ${concurrency}, no model latency | wall time | tasks/s | parent runs | most events in one run | server CPU per task | worker CPU per task |`,
    );
    say('| --- | --- | --- | --- | --- | --- | --- |');
    const serverPid = devServerPid(env.address);
    await withBenchWorker(client, env.nativeConnection, {}, async (taskQueue) => {
      const measure = async (name: string, workflowType: string, args: unknown[]) => {
        const workflowId = uniqueId(`bench-${name}`);
        const serverCpuBefore = serverPid ? processCpuMs(serverPid) : undefined;
        // The worker, the simulator and this client share this process; the client's part is small.
        const workerCpuBefore = process.cpuUsage();
        const started = Date.now();
        await client.workflow.execute(workflowType, {
          taskQueue,
          workflowId,
          args,
          workflowExecutionTimeout: '1 hour',
        });
        const ms = Date.now() - started;
        const serverCpuAfter = serverPid ? processCpuMs(serverPid) : undefined;
        const workerCpu = process.cpuUsage(workerCpuBefore);
        const cpu = {
          server:
            serverCpuBefore !== undefined && serverCpuAfter !== undefined
              ? `${((serverCpuAfter - serverCpuBefore) / count).toFixed(1)} ms`
              : 'n/a',
          worker: `${((workerCpu.user + workerCpu.system) / 1000 / count).toFixed(1)} ms`,
        };
        let runs = 0;
        let maxEvents = 0;
        for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
          runs++;
          // Visibility may lag just after a run closes; describe() reads the history length itself.
          const d = await client.workflow.getHandle(workflowId, wf.runId).describe();
          maxEvents = Math.max(maxEvents, d.historyLength);
        }
        return { ms, runs, maxEvents, perSecond: count / (ms / 1000), cpu };
      };
      const row = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
        say(
          `| ${name} | ${seconds(r.ms)} | ${r.perSecond.toFixed(1)} | ${r.runs} | ${r.maxEvents} | ${r.cpu.server} | ${r.cpu.worker} |`,
        );
      const trivial = await measure('trivial', 'fanOutBaselineWorkflow', ['trivialChildWorkflow', count, concurrency]);
      row('plain fan-out, trivial children (engine ceiling)', trivial);
      const shaped = await measure('shaped', 'fanOutBaselineWorkflow', [
        'twoActivityChildWorkflow',
        count,
        concurrency,
      ]);
      row('plain fan-out, children with two no-op activities', shaped);
      const planwright = await measure('planwright', 'goalWorkflow', [
        { goal: plan.goal, plan, maxConcurrency: concurrency, budgetCredits: count * 40 },
      ]);
      row('Planwright goalWorkflow (implement + review per task)', planwright);
      say('');
      say(
        `Planwright / trivial fan-out: **${(planwright.perSecond / trivial.perSecond).toFixed(3)}**; ` +
          `Planwright / two-activity fan-out: **${(planwright.perSecond / shaped.perSecond).toFixed(3)}**`,
      );
    });
  }
  await env.teardown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
