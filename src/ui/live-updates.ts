import type { RunDetails } from '../domain/run-details';
import { problemOf } from './http';
import { eventBetween, forPage, type RunEvent } from './run-events';

/**
 * Live runs in the page: one poller per watched run, shared by everyone watching it, reading the run through the
 * client library about once a second and pushing (server-sent events) only what changed. The plan never changes, so
 * after the first message a watcher gets task states that changed and new credit points, not the graph again. A
 * closed run is read once, sent, and kept a while (it will not change); a run nobody watches is not polled. A live
 * run's last state is kept a little after its last watcher left, so a reload or a new tab shows it at once (reading a
 * 5,000-task run takes seconds) while the fresh read is under way.
 */

export interface RunWatchersOptions {
  /** How often a watched live run is read; default 1 s. */
  intervalMs?: number;
  /** Most runs polled at once; a watcher beyond gets a 503 problem. Default 50. */
  maxRuns?: number;
  /** Closed runs kept after they were read, and live runs after their last watcher left; default 20 of each. */
  closedKept?: number;
  /** How long a live run's last state is kept after its last watcher left (it is shown until a fresh read); 30 s. */
  keepLiveMs?: number;
}

type Send = (event: RunEvent) => void;

interface Watcher {
  send: Send;
  close: () => void;
  /** False until the watcher got a `full` message. */
  primed: boolean;
}

interface Poller {
  watchers: Set<Watcher>;
  last?: RunDetails;
  lastJson?: string;
  problem?: { status: number; error: string };
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export class RunWatchers {
  private readonly pollers = new Map<string, Poller>();
  private readonly closed = new Map<string, RunDetails>();
  private readonly recent = new Map<string, { details: RunDetails; json: string; until: number }>();
  private readonly keepLiveMs: number;
  private readonly intervalMs: number;
  private readonly maxRuns: number;
  private readonly closedKept: number;

  constructor(
    private readonly read: (runId: string) => Promise<RunDetails>,
    options: RunWatchersOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxRuns = options.maxRuns ?? 50;
    this.closedKept = options.closedKept ?? 20;
    this.keepLiveMs = options.keepLiveMs ?? 30_000;
  }

  /** Runs being polled now (for tests and the log). */
  get polling(): number {
    return this.pollers.size;
  }

  /** The run as last read, when someone watches it or it has closed recently; undefined otherwise. */
  latest(runId: string): RunDetails | undefined {
    return this.pollers.get(runId)?.last ?? this.closed.get(runId);
  }

  /** Sends `runId`'s state to `send` now and as it changes; `close` is called once nothing more will come. */
  watch(runId: string, send: Send, close: () => void): () => void {
    const watcher: Watcher = { send, close, primed: false };
    const done = this.closed.get(runId);
    if (done) {
      send({ kind: 'full', details: forPage(done) });
      close();
      return () => undefined;
    }
    let poller = this.pollers.get(runId);
    if (!poller) {
      if (this.pollers.size >= this.maxRuns) {
        send({ kind: 'problem', status: 503, error: `this server watches ${this.maxRuns} runs already`, final: true });
        close();
        return () => undefined;
      }
      const kept = this.recent.get(runId);
      this.recent.delete(runId);
      const fresh = kept && kept.until > Date.now() ? kept : undefined;
      poller = { watchers: new Set(), stopped: false, ...(fresh ? { last: fresh.details, lastJson: fresh.json } : {}) };
      this.pollers.set(runId, poller);
      void this.poll(runId, poller);
    }
    if (poller.last) {
      send({ kind: 'full', details: forPage(poller.last) });
      watcher.primed = true;
    } else if (poller.problem) {
      send({ kind: 'problem', ...poller.problem, final: false });
    }
    poller.watchers.add(watcher);
    const p = poller;
    return () => {
      p.watchers.delete(watcher);
      if (p.watchers.size === 0) this.stop(runId, p);
    };
  }

  /** Stops every poller (server shutdown). */
  closeAll(): void {
    for (const [runId, p] of this.pollers) {
      for (const w of p.watchers) w.close();
      this.stop(runId, p);
    }
  }

  private stop(runId: string, p: Poller): void {
    p.stopped = true;
    clearTimeout(p.timer);
    if (this.pollers.get(runId) !== p) return;
    this.pollers.delete(runId);
    if (p.last?.live && p.lastJson) {
      this.recent.set(runId, { details: p.last, json: p.lastJson, until: Date.now() + this.keepLiveMs });
      if (this.recent.size > this.closedKept) this.recent.delete(this.recent.keys().next().value!);
    }
  }

  private async poll(runId: string, p: Poller): Promise<void> {
    let delay = this.intervalMs;
    try {
      const details = await this.read(runId);
      if (p.stopped) return;
      p.problem = undefined;
      this.publish(p, details);
      if (!details.live) {
        this.remember(runId, details);
        for (const w of p.watchers) w.close();
        return this.stop(runId, p);
      }
    } catch (err) {
      if (p.stopped) return;
      const { status, message } = problemOf(err);
      const final = status === 404;
      if (p.problem?.error !== message || final) {
        p.problem = { status, error: message };
        for (const w of p.watchers) w.send({ kind: 'problem', status, error: message, final });
      }
      if (final) {
        for (const w of p.watchers) w.close();
        return this.stop(runId, p);
      }
      // Temporal away or no worker answering: keep trying, less often.
      delay = Math.min(this.intervalMs * 5, 10_000);
    }
    p.timer = setTimeout(() => void this.poll(runId, p), delay);
  }

  private publish(p: Poller, details: RunDetails): void {
    const json = JSON.stringify(details);
    const previous = p.last;
    const changed = json !== p.lastJson;
    p.last = details;
    p.lastJson = json;
    const update = previous && changed ? eventBetween(previous, details) : undefined;
    for (const w of p.watchers) {
      if (!w.primed) {
        w.send({ kind: 'full', details: forPage(details) });
        w.primed = true;
      } else if (changed) {
        w.send(update ?? { kind: 'full', details: forPage(details) });
      }
    }
  }

  private remember(runId: string, details: RunDetails): void {
    this.closed.delete(runId);
    this.closed.set(runId, details);
    if (this.closed.size > this.closedKept) this.closed.delete(this.closed.keys().next().value!);
  }
}
