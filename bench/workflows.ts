/**
 * The benchmark's workflow bundle: Planwright's workflows plus plain Temporal workflows that measure what the engine
 * itself does on this machine, for comparison. Not part of the production bundle.
 */
import { condition, executeChild, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { DagScheduler } from '../src/domain/scheduler';
import type { benchActivities } from './activities';

export * from '../src/workflows';

const { noop, sleep } = proxyActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });

/** A child that does nothing: the cheapest child workflow there is. */
export async function trivialChildWorkflow(): Promise<void> {}

/** A child shaped like a Planwright task: two activities in a row (implement, review), doing nothing. */
export async function twoActivityChildWorkflow(): Promise<void> {
  await noop();
  await noop();
}

/** Starts `count` children of one type, at most `concurrency` at once, each the moment a slot frees. */
export async function fanOutBaselineWorkflow(
  child: 'trivialChildWorkflow' | 'twoActivityChildWorkflow',
  count: number,
  concurrency: number,
): Promise<number> {
  let running = 0;
  let done = 0;
  let next = 0;
  const run = async (i: number) => {
    running++;
    const handle = await startChild(child, { workflowId: `${workflowInfo().workflowId}/${i}` });
    await handle.result();
    running--;
    done++;
  };
  while (done < count) {
    while (running < concurrency && next < count) void run(next++);
    await condition(() => (running < concurrency && next < count) || done === count);
  }
  return done;
}

/** A child shaped like a Planwright task whose two activities just wait: the engine's part of a task, nothing else. */
export async function twoSleepsChildWorkflow(firstMs: number, secondMs: number): Promise<void> {
  await sleep(firstMs);
  await sleep(secondMs);
}

export interface PlainDagTask {
  id: string;
  deps: string[];
  effort: number;
  /** How long the task's two activities wait, in ms. */
  sleepsMs: [number, number];
}

/**
 * The makespan baseline: Planwright's scheduler (the same DagScheduler, so the same order) over plain children of two
 * waiting activities. What it loses to the lower bound is what the engine and the scheduler lose, without Planwright.
 */
export async function plainDagWorkflow(
  tasks: PlainDagTask[],
  concurrency: number,
): Promise<{ id: string; startedAt: number; finishedAt: number }[]> {
  const scheduler = new DagScheduler(tasks, concurrency);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const times: { id: string; startedAt: number; finishedAt: number }[] = [];
  const run = async (id: string) => {
    const startedAt = Date.now();
    await executeChild(twoSleepsChildWorkflow, {
      workflowId: `${workflowInfo().workflowId}/${id}`,
      args: byId.get(id)!.sleepsMs,
    });
    times.push({ id, startedAt, finishedAt: Date.now() });
    scheduler.succeed(id);
  };
  while (!scheduler.isFinished()) {
    for (const id of scheduler.takeStartable()) void run(id);
    await condition(() => (scheduler.readyCount > 0 && scheduler.running < concurrency) || scheduler.isFinished());
  }
  return times;
}
