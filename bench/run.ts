/**
 * Benchmarks through the real stack: a Temporal dev server, a worker, the simulator over HTTP. Never a timed test.
 *   npm run bench                  # all scenarios
 *   npm run bench -- makespan      # only the makespan scenarios (120 and 500 tasks)
 *   npm run bench -- scale         # only the 5,000-task throughput scenario and its baselines
 */
import { cpus, totalmem } from 'node:os';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createOpenAIClient } from '../src/activities/model/client';
import type { RunView } from '../src/domain/run';
import { startSimulator, type Simulator } from '../src/simulator/server';
import type { ScenarioInput } from '../src/simulator/scenario';
import { randomPlan } from '../test/helpers/dags';
import { createTestEnvironment, simSettings, uniqueId } from '../test/helpers/temporal';
import { benchActivities } from './activities';
import { makespanLowerBound } from './stats';

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

async function main() {
  const env = await createTestEnvironment();
  bundle = bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('WARN') });
  const client = env.client;
  say(
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  say(`Server: Temporal CLI dev server (in-memory), worker and simulator in one process; ${new Date().toISOString()}`);
  say('');

  if (which === 'all' || which === 'makespan') {
    say(
      '| tasks | concurrency | makespan | critical path | work / cap | lower bound | bound / makespan | overhead per task |',
    );
    say('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [count, concurrency, seed] of [
      [120, 8, 11],
      [500, 16, 12],
    ] as const) {
      const plan = randomPlan(count, seed, { window: 40 });
      // Two calls per task: implement (~0.7 s) and review (~0.3 s), lognormal: about 1 s per task.
      const scenario: ScenarioInput = {
        seed,
        latency: { implementer: { medianMs: 700, sigma: 0.5 }, reviewer: { medianMs: 300, sigma: 0.5 } },
      };
      await withBenchWorker(client, env.nativeConnection, scenario, async (taskQueue, sim) => {
        const view: RunView = await client.workflow.execute('goalWorkflow', {
          taskQueue,
          workflowId: uniqueId(`bench-${count}`),
          args: [{ goal: plan.goal, plan, maxConcurrency: concurrency, budgetCredits: count * 40 }],
        });
        if (view.status !== 'succeeded') throw new Error(`run ${view.runId} ended ${view.status}`);
        // Work per task is what the model calls took (the simulator's own timing), not the run's overheads.
        const work = new Map<string, number>();
        for (const r of sim.requests()) {
          if (r.task) work.set(r.task, (work.get(r.task) ?? 0) + ((r.finishedAt ?? r.receivedAt) - r.receivedAt));
        }
        const starts = view.tasks.map((t) => Date.parse(t.startedAt!));
        const ends = view.tasks.map((t) => Date.parse(t.finishedAt!));
        const makespan = Math.max(...ends) - Math.min(...starts);
        const b = makespanLowerBound(plan, work, concurrency);
        // Time a task held its slot beyond its model calls: child start, workflow tasks, the completion signal.
        const held = view.tasks.map(
          (t) => Date.parse(t.finishedAt!) - Date.parse(t.startedAt!) - (work.get(t.id) ?? 0),
        );
        const overhead = held.reduce((x, y) => x + y, 0) / held.length;
        say(
          `| ${count} | ${concurrency} | ${(makespan / 1000).toFixed(1)} s | ${(b.criticalPathMs / 1000).toFixed(1)} s | ` +
            `${(b.workOverCapMs / 1000).toFixed(1)} s | ${(b.boundMs / 1000).toFixed(1)} s | **${(b.boundMs / makespan).toFixed(3)}** | ${overhead.toFixed(0)} ms |`,
        );
      });
    }
    say('');
  }

  if (which === 'all' || which === 'scale') {
    const count = Number(process.env.BENCH_SCALE_TASKS ?? 5000);
    const concurrency = 50;
    const plan = randomPlan(count, 21, { window: 200 });
    say(
      `| ${count} tasks, concurrency ${concurrency}, no model latency | wall time | tasks/s | parent runs | most events in one run |`,
    );
    say('| --- | --- | --- | --- | --- |');
    await withBenchWorker(client, env.nativeConnection, {}, async (taskQueue) => {
      const measure = async (name: string, workflowType: string, args: unknown[]) => {
        const workflowId = uniqueId(`bench-${name}`);
        const started = Date.now();
        await client.workflow.execute(workflowType, {
          taskQueue,
          workflowId,
          args,
          workflowExecutionTimeout: '1 hour',
        });
        const ms = Date.now() - started;
        let runs = 0;
        let maxEvents = 0;
        for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
          runs++;
          // Visibility may lag just after a run closes; describe() reads the history length itself.
          const d = await client.workflow.getHandle(workflowId, wf.runId).describe();
          maxEvents = Math.max(maxEvents, d.historyLength);
        }
        return { ms, runs, maxEvents, perSecond: count / (ms / 1000) };
      };
      const row = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
        say(`| ${name} | ${(r.ms / 1000).toFixed(1)} s | ${r.perSecond.toFixed(1)} | ${r.runs} | ${r.maxEvents} |`);
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
