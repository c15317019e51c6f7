import type { ChatMessage } from '../domain/prompts';

/** One request the simulator received, as tests and benchmarks read it. */
export interface SimRequest {
  seq: number;
  /** Epoch milliseconds when the request arrived. */
  receivedAt: number;
  /** Epoch milliseconds when the answer was complete or the connection ended. */
  finishedAt?: number;
  kind: string;
  task?: string;
  attempt?: number;
  round?: number;
  idempotencyKey?: string;
  model: string;
  stream: boolean;
  maxTokens?: number;
  schemaName?: string;
  messages: ChatMessage[];
  /** ok, or the fault injected. */
  outcome: string;
  /** True when the client closed the connection before the answer was complete (e.g. a cancelled activity). */
  clientClosed: boolean;
  promptTokens?: number;
  completionTokens?: number;
}
