/**
 * How many calls one worker makes to one MCP server at once (`maxConcurrentCalls`). The model calls' pacer never
 * holds MCP calls back; this is their own limit, so a slow or fragile server is not flooded by many tasks at once.
 * Waiters go in arrival order; a waiter whose activity is cancelled leaves the line.
 */
export class CallSlots {
  private readonly inUse = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  /** Waits for a free slot of `server` (at most `max` at once) and returns the function that frees it. */
  async take(server: string, max: number, signal?: AbortSignal): Promise<() => void> {
    if ((this.inUse.get(server) ?? 0) >= max) {
      await new Promise<void>((resolve, reject) => {
        const line = this.waiting.get(server) ?? [];
        this.waiting.set(server, line);
        const onAbort = () => {
          const at = line.indexOf(go);
          if (at >= 0) line.splice(at, 1);
          reject(
            signal?.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for a call slot'),
          );
        };
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        line.push(go);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.inUse.set(server, (this.inUse.get(server) ?? 0) + 1);
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      // The slot passes straight to the next waiter, so the count does not change.
      const next = this.waiting.get(server)?.shift();
      if (next) next();
      else this.inUse.set(server, (this.inUse.get(server) ?? 1) - 1);
    };
  }

  /** Calls running now for `server` (for tests and diagnostics). */
  running(server: string): number {
    return this.inUse.get(server) ?? 0;
  }
}
