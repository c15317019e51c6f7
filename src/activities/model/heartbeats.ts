import type { Context } from '@temporalio/activity';
import type { CallRecord } from '../../domain/model';

/** A request that has left for the provider and has not been answered yet: its outcome is unknown until it is. */
export interface InFlightRequest {
  /** Its worst-case cost, reserved before it left, in millicredits: what the provider could bill at most. */
  reservedMillicredits: number;
  model: string;
  /** The activity attempt that sent it. */
  attempt: number;
}

/** Spend carried across activity attempts in heartbeat details, so a retried attempt knows what earlier ones cost. */
export interface SpendCheckpoint {
  spentMillicredits: number;
  calls: CallRecord[];
  /** Set while a request is out: an attempt that finds it was cut off with the request unanswered. */
  inFlight?: InFlightRequest;
}

/**
 * A request proves it is alive once it has run this long (well inside the 30 s heartbeat timeout), and then at most
 * this often: heartbeats are server writes.
 */
const LIVENESS_HEARTBEATS_AFTER_MS = 5_000;
const LIVENESS_HEARTBEAT_EVERY_MS = 15_000;

/**
 * The heartbeats of one activity attempt. Every heartbeat carries the whole checkpoint: a bare one would replace the
 * server's heartbeat details with nothing. The checkpoint is sent when a request leaves (with the request marked in
 * flight, so that a worker killed mid-request still leaves its reservation to be charged), and before a retryable
 * failure; liveness heartbeats only for long requests.
 */
export class AttemptHeartbeats {
  private sent = { calls: -1, inFlight: false };
  private lastSentAt = 0;

  constructor(
    private readonly ctx: Context,
    private readonly ledger: SpendCheckpoint,
  ) {}

  /** Marks a request as out and sends the checkpoint at once: the one heartbeat every request costs. */
  requestLeaving(request: InFlightRequest): void {
    this.ledger.inFlight = request;
    this.send();
  }

  /** The request's outcome is known (answered, or refused by the provider): it is no longer in flight. */
  requestSettled(): void {
    delete this.ledger.inFlight;
  }

  /** Liveness while a request runs; only once it has run LIVENESS_HEARTBEATS_AFTER_MS. */
  alive(requestStartedAt: number): void {
    const now = Date.now();
    if (now - requestStartedAt < LIVENESS_HEARTBEATS_AFTER_MS) return;
    if (now - this.lastSentAt >= LIVENESS_HEARTBEAT_EVERY_MS) this.send();
  }

  /** Sends the checkpoint if the server's details do not hold it yet. */
  checkpoint(): void {
    if (this.ledger.calls.length !== this.sent.calls || Boolean(this.ledger.inFlight) !== this.sent.inFlight) {
      this.send();
    }
  }

  private send(): void {
    this.ctx.heartbeat(this.ledger);
    this.sent = { calls: this.ledger.calls.length, inFlight: Boolean(this.ledger.inFlight) };
    this.lastSentAt = Date.now();
  }
}
