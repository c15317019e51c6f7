/** What bench/acting.ts runs on: repositories, a Planwright worker with a workspace, a plain worker, a sampler. */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { GoalInputJson, RunView } from '../src/domain/run';
import { dataConverter } from '../src/infra/data-converter';
import { WorkerGroup } from '../src/infra/worker-group';
import type { ScenarioInput, ScriptedToolTurn } from '../src/simulator/scenario';
import { startSimulator, type Simulator } from '../src/simulator/server';
import { createPlanwrightWorker } from '../src/worker';
import { userRepository } from '../test/helpers/git-fixtures';
import { productionBundle, simSettings, testWorkspace, uniqueId } from '../test/helpers/temporal';
import { benchActivities } from './activities';

/**
 * A user's repository: a README, a package.json and `count` source-like files of `bytes` bytes each
 * (`src/f00.ts`, ...), 80-character lines that differ from file to file.
 */
export function benchRepository(count: number, bytes: number): string {
  const files: Record<string, string> = {
    'README.md': '# Bench\n\nA repository for the acting benchmark.\n',
    'package.json': '{ "name": "bench", "version": "1.0.0" }\n',
  };
  for (let i = 0; i < count; i++) {
    let text = '';
    for (let line = 0; text.length < bytes; line++) {
      text +=
        `export const value_${i}_${line} = compute(${i * 7919 + line * 104729}, 'line ${line}');`.padEnd(79) + '\n';
    }
    files[fileName(i)] = text.slice(0, bytes);
  }
  const repo = userRepository(files, 'pw-bench-repo-');
  repositories.push(repo);
  return repo;
}

const repositories: string[] = [];

/** Removes every repository benchRepository made (the runs' branches were pushed into them). */
export function removeBenchRepositories(): void {
  for (const repo of repositories.splice(0)) rmSync(repo, { recursive: true, force: true });
}

export const fileName = (i: number) => `src/f${String(i).padStart(2, '0')}.ts`;

/** A scripted turn reading a whole file. */
export const readTurn = (file: string): ScriptedToolTurn => ({
  tool: 'read_file',
  arguments: { path: file, startLine: null, endLine: null },
});

/** Where a benchmark writes its lines (bench/run.ts prints and keeps them). */
export type Say = (line: string) => void;

export interface ActingHarness {
  taskQueue: string;
  sim: Simulator;
  /** The worker's workspace root: its clone cache and every checkout. */
  root: string;
}

/** Runs `fn` with a simulator playing `scenario` and a Planwright worker group with a fresh workspace root. */
export async function withActingWorker<T>(
  env: TestWorkflowEnvironment,
  scenario: ScenarioInput,
  fn: (h: ActingHarness) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator({ scenario, logBodies: false });
  const workspace = testWorkspace();
  const taskQueue = uniqueId('bench-acting');
  try {
    const worker = await createPlanwrightWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      settings: simSettings(sim),
      workflowBundle: await productionBundle(),
      shutdownGraceTime: '1 second',
      workspace,
    });
    return await worker.runUntil(fn({ taskQueue, sim, root: workspace.root }));
  } finally {
    await sim.close();
    rmSync(workspace.root, { recursive: true, force: true });
  }
}

/** Runs a goal with a fixed plan of one-line tasks on the harness's worker; fails unless every task succeeded. */
export async function runGoal(
  client: Client,
  h: ActingHarness,
  tasks: string[],
  rest: Omit<GoalInputJson, 'goal' | 'plan'>,
): Promise<RunView> {
  const plan = {
    goal: 'bench',
    tasks: tasks.map((id) => ({ id, title: `Bench task ${id}`, acceptanceCriteria: ['done'] })),
  };
  const view: RunView = await client.workflow.execute('goalWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: uniqueId('bench-acting'),
    args: [{ goal: plan.goal, plan, ...rest }],
  });
  if (view.status !== 'succeeded') {
    throw new Error(`run ${view.runId} ended ${view.status}: ${JSON.stringify(view.tasks.map((t) => t.error))}`);
  }
  return view;
}

let plainBundle: Promise<WorkflowBundle> | undefined;

/**
 * Runs `fn` with two plain workers of the no-op baseline in this process: one on `taskQueue` (the workflow and its
 * activities), one on `otherQueue` (activities only).
 */
export async function withPlainWorkers<T>(
  env: TestWorkflowEnvironment,
  fn: (queues: { taskQueue: string; otherQueue: string }) => Promise<T>,
): Promise<T> {
  plainBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./acting-workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const taskQueue = uniqueId('bench-plain');
  const otherQueue = `${taskQueue}-other`;
  const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default', dataConverter };
  const main = await Worker.create({
    ...common,
    taskQueue,
    workflowBundle: await plainBundle,
    activities: benchActivities,
  });
  const other = await Worker.create({ ...common, taskQueue: otherQueue, activities: benchActivities });
  return new WorkerGroup([main, other]).runUntil(fn({ taskQueue, otherQueue }));
}

/** One reading of this process and of a workspace root. */
export interface Sample {
  atMs: number;
  /** This process's resident set (the worker runs in it, with the simulator and the client). */
  rssBytes: number;
  /** `du -sb` of the workspace root. */
  diskBytes: number;
  /** Task checkouts present under the root. */
  checkouts: number;
}

const exec = promisify(execFile);

/** `du -sb` of `dir`, in bytes. */
export async function diskUse(dir: string): Promise<number> {
  // Files come and go while du walks: it may exit 1 for a vanished file and still print the total.
  const out = await exec('du', ['-sb', dir]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return Number(out.stdout.split('\t')[0]) || 0;
}

function countCheckouts(root: string): number {
  const dir = path.join(root, 'checkouts');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const run of readdirSync(dir)) {
    try {
      n += readdirSync(path.join(dir, run)).length;
    } catch {
      // The run's folder went away while we looked.
    }
  }
  return n;
}

/** Samples the process's RSS, the root's disk use and its checkouts every `everyMs` until stopped. */
export function startSampler(root: string, everyMs = 250): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const atMs = Date.now();
      const rssBytes = process.memoryUsage().rss;
      const checkouts = countCheckouts(root);
      samples.push({ atMs, rssBytes, checkouts, diskBytes: await diskUse(root) });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
