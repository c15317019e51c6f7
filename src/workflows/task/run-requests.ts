import { condition, getExternalWorkflowHandle, log, setHandler, type SignalDefinition } from '@temporalio/workflow';
import type { TaskProgress } from '../../domain/task-progress';

/** One kind of request a task makes of its run, and the answer it takes back. */
export interface RequestProtocol<Request, Answer> {
  /** The answer signal's name, for refusals in the log. */
  readonly name: string;
  /** The signal the task sends its run. */
  readonly request: SignalDefinition<[Request]>;
  /** The signal the run answers with. */
  readonly answer: SignalDefinition<[Answer]>;
  /** An answer checked by hand (task workflows stay zod-free); undefined when it is not one. */
  read(raw: unknown): Answer | undefined;
  /** The request id an answer carries, if any. */
  idOf(answer: Answer): string | undefined;
}

/**
 * The task's side of the channel to its run: every request (credits, a gated tool call, a share of the run's tool
 * calls) goes out as a signal under a request id and waits, durably, for the answer that carries the same id. Anyone
 * who may signal the namespace can send an answer signal: one counts only as the answer to the request open on its
 * protocol, in the expected shape; everything else is refused and counted in the task's progress (`refusedSignals`),
 * never stored. One request is open per protocol at a time: a task asks, then waits.
 */
export class RunRequests<Request, Answer> {
  /** The request waiting for its answer; `id` undefined for requests made before ids existed (any answer counts). */
  private open: { id: string | undefined } | undefined;
  private answer: Answer | undefined;

  constructor(
    private readonly runWorkflowId: string,
    private readonly protocol: RequestProtocol<Request, Answer>,
    private readonly progress: TaskProgress,
  ) {
    setHandler(protocol.answer, (raw: unknown) => this.receive(raw));
  }

  /**
   * Sends `request` (which carries `id`, drawn by the caller in the order its histories drew it) and waits for its
   * answer; undefined when `timeoutMs` passed first.
   */
  async ask(id: string | undefined, request: Request, timeoutMs?: number): Promise<Answer | undefined> {
    this.open = { id };
    this.answer = undefined;
    await getExternalWorkflowHandle(this.runWorkflowId).signal(this.protocol.request, request);
    const answered =
      timeoutMs === undefined
        ? (await condition(() => this.answer !== undefined), true)
        : await condition(() => this.answer !== undefined, timeoutMs);
    this.open = undefined;
    return answered ? this.answer : undefined;
  }

  private receive(raw: unknown): void {
    const answer = this.protocol.read(raw);
    const refusal = !answer
      ? `not a ${this.protocol.name}`
      : !this.open
        ? 'no request is open'
        : this.open.id !== undefined && this.protocol.idOf(answer) !== this.open.id
          ? 'not the answer to the open request'
          : undefined;
    if (refusal) {
      this.progress.refusedSignals = (this.progress.refusedSignals ?? 0) + 1;
      log.warn(`${this.protocol.name} refused: ${refusal}`);
      return;
    }
    this.answer = answer;
  }
}
