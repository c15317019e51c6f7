/**
 * The tool-step benchmark's baseline, bundled on its own: plain Temporal activity round trips in sequence, the shape
 * of an acting task's loop without Planwright in it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { benchActivities } from './activities';

/**
 * Calls a no-op activity `count` times, one after the other: on the workflow's own task queue, or on `taskQueue`
 * (another worker's queue, as an acting task's steps go to the queue of the worker holding its checkout).
 */
export async function noopSequenceWorkflow(count: number, taskQueue?: string): Promise<void> {
  const { noop } = proxyActivities<typeof benchActivities>({
    startToCloseTimeout: '1 minute',
    ...(taskQueue ? { taskQueue } : {}),
  });
  for (let i = 0; i < count; i++) await noop();
}
