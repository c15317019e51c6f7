/**
 * The benchmark's workflow bundle: Planwright's workflows plus two plain Temporal fan-outs that measure what the
 * engine itself does on this machine, for comparison. Not part of the production bundle.
 */
import { condition, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { benchActivities } from './activities';

export * from '../src/workflows';

const { noop } = proxyActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });

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
