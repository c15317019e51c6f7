import type { RawToolCall } from '../../domain/agent-loop';
import type { Usage } from '../../domain/model';
import type { ConversationItem } from './conversation';
import type { RequestedOutput } from './requested-output';

/** What one request returned, whichever API carried it. */
export interface Reply {
  text: string;
  refusal?: string;
  /** The function tools the model called, in the order it called them; empty when it only wrote text. */
  toolCalls: RawToolCall[];
  model: string;
  usage?: Usage;
}

/** One request as either API module takes it; `S` is the sampling fields in that API's spelling. */
export interface ApiRequest<S> {
  model: string;
  conversation: readonly ConversationItem[];
  /** Output cap and temperature as the model's family accepts them (see src/domain/model-families.ts). */
  sampling: S;
  output: RequestedOutput;
  stream: boolean;
  options: { headers: Record<string, string>; signal: AbortSignal };
  /**
   * Called on every streamed event, to heartbeat and to time silences; `output` when the event carries the answer:
   * its text, refusal or tool calls (a reasoning model sends a few events at once, then nothing while it thinks).
   */
  onChunk: (output: boolean) => void;
}

/**
 * Puts together the tool calls of a streamed answer from their fragments. Each call is keyed by its place in the
 * answer (Chat Completions `tool_calls[].index`, the Responses API's `output_index`); its id and name come once, its
 * arguments in pieces.
 */
export class StreamedToolCalls {
  private readonly calls = new Map<number, RawToolCall>();

  /** A fragment of the call at `key`. Servers that repeat the id or name on every fragment keep the first one. */
  add(
    key: number,
    fragment: { id?: string | undefined; name?: string | undefined; arguments?: string | undefined },
  ): void {
    const call = this.calls.get(key) ?? { id: '', name: '', arguments: '' };
    call.id ||= fragment.id ?? '';
    call.name ||= fragment.name ?? '';
    call.arguments += fragment.arguments ?? '';
    this.calls.set(key, call);
  }

  /** The call's complete arguments, when the API sends them at the end: they replace the fragments. */
  complete(key: number, args: string): void {
    const call = this.calls.get(key);
    if (call) call.arguments = args;
  }

  /** The calls in the order the model made them. */
  list(): RawToolCall[] {
    return [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  }
}
