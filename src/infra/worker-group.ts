import type { Worker } from '@temporalio/worker';

/**
 * The Temporal workers of one Planwright worker process, run and stopped together: the main queue (workflows and
 * model calls) and, on hosts that take workspace work, the shared workspace queue and this process's own queue
 * (the steps of the checkouts it holds). Offers the part of Worker's interface callers use.
 */
export class WorkerGroup {
  constructor(
    readonly workers: readonly Worker[],
    /** This process's own task queue, when it takes workspace work. */
    readonly ownQueue?: string,
    /** Runs once every worker has stopped (closes what they shared, such as MCP server processes). */
    private readonly onStopped?: () => Promise<void> | undefined,
  ) {}

  /** Runs every worker until all have stopped (SIGINT/SIGTERM stop them, as Worker.run does); one failing stops all. */
  async run(): Promise<void> {
    try {
      await Promise.all(
        this.workers.map((w) =>
          w.run().catch((err: unknown) => {
            this.shutdown();
            throw err;
          }),
        ),
      );
    } finally {
      await this.onStopped?.();
    }
  }

  /** Runs every worker until `until` settles, then shuts them down and returns its result. */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const promise = typeof until === 'function' ? until() : until;
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    // Every worker has shut down before the result (or the failure) is handed back, as Worker.runUntil does.
    try {
      await Promise.all(this.workers.map((w) => w.runUntil(settled)));
    } finally {
      await this.onStopped?.();
    }
    return promise;
  }

  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }

  getState(): ReturnType<Worker['getState']> {
    return this.workers[0]!.getState();
  }
}
