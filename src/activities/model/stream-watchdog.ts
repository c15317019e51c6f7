import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import type { StreamLimits } from '../../domain/model-families';
import { streamStalledFailure, type StreamStall } from './errors';

/**
 * Cuts a stream that stays silent too long, so that a dead connection is retried instead of holding its task until
 * Node's fetch gives up (300 s). Its signal also carries the activity's cancellation. Before the answer's first token
 * the longer first-token limit applies (a reasoning model thinks silently); once tokens flow, the idle limit.
 */
export class StreamWatchdog {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private timer: NodeJS.Timeout | undefined;
  private answering = false;
  private armedFor: boolean | undefined;
  private stall: StreamStall | undefined;

  constructor(
    private readonly cancellation: AbortSignal,
    /** Null for a request that does not stream: the provider's request timeout covers it. */
    private readonly limits: StreamLimits | null,
  ) {
    if (cancellation.aborted) this.controller.abort(cancellation.reason);
    else cancellation.addEventListener('abort', this.cancel, { once: true });
  }

  /** Starts timing once the request leaves (the pacer's wait is not the provider's silence). */
  start(): void {
    this.arm();
  }

  /** Every streamed chunk or event; `output` when it carries the answer's text or refusal. */
  chunk(output: boolean): void {
    if (output) this.answering = true;
    this.arm();
  }

  /** The failure to raise if the stream was cut for silence. */
  stallFailure(context: { model: string; baseURL: string }): ApplicationFailure | undefined {
    return this.stall ? streamStalledFailure(context, this.stall) : undefined;
  }

  /** The failure to raise if the activity was cancelled. */
  cancellationFailure(): CancelledFailure | undefined {
    return this.cancellation.aborted ? new CancelledFailure('model call cancelled') : undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.cancellation.removeEventListener('abort', this.cancel);
  }

  private readonly cancel = () => this.controller.abort(this.cancellation.reason);

  private arm(): void {
    if (!this.limits || this.signal.aborted) return;
    if (this.timer && this.armedFor === this.answering) {
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    const beforeFirstToken = !this.answering;
    const limitMs = beforeFirstToken ? this.limits.firstTokenTimeoutMs : this.limits.idleTimeoutMs;
    this.armedFor = this.answering;
    this.timer = setTimeout(() => {
      this.stall = { beforeFirstToken, limitMs };
      this.controller.abort();
    }, limitMs);
  }
}
