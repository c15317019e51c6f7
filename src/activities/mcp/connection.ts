import type { Readable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Redact } from './secrets';

/** Characters kept of what the SDK says about a message it could not parse (a zod error can be long). */
const MAX_PROTOCOL_ERROR_CHARS = 200;
/** Characters of a stdio server's stderr kept: enough for a stack trace's head, bounded for a long-lived process. */
export const STDERR_TAIL_CHARS = 4000;

/**
 * One live client of one server: a process the worker started (stdio) or a session with an HTTP endpoint. It knows
 * when its transport closed (the process exited, or it was closed), so the pool can start a new one, and keeps the
 * end of the process's stderr for failures. Everything it hands out is passed through its redactor first.
 */
export class McpConnection {
  #closed = false;
  #stderr = '';
  #stderrEnded: Promise<void> = Promise.resolve();
  /** The process id of a stdio server, once started. */
  pid: number | undefined;
  /** What was wrong with the last message that was not JSON-RPC (a stdio server logging to stdout), for failures. */
  lastProtocolError: string | undefined;

  constructor(
    /** The configured server's name. */
    readonly server: string,
    readonly client: Client,
    /** Replaces the secrets this server was handed in any text. */
    readonly redact: Redact,
    /** How the server is reached, for messages: `command "npx"` or `http://host/mcp`. */
    readonly describe: string,
    stderr?: Readable | null,
  ) {
    // Before connecting: closing during the handshake must count too.
    client.onclose = () => {
      this.#closed = true;
    };
    client.onerror = (err) => {
      // Only what could not be parsed: a failed write or fetch is reported by the request it failed.
      if (err instanceof SyntaxError || err.name === 'ZodError') {
        this.lastProtocolError = redact(err.message).slice(0, MAX_PROTOCOL_ERROR_CHARS);
      }
    };
    if (stderr) {
      // Read continuously: a child whose stderr pipe fills up blocks on its next write.
      stderr.setEncoding('utf8');
      stderr.on('data', (chunk: string) => {
        this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
      });
      this.#stderrEnded = new Promise((resolve) => {
        stderr.once('end', resolve);
        stderr.once('close', resolve);
      });
    }
  }

  /** Whether the transport closed: the process exited or the session ended. A closed connection is never reused. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The end of what the process wrote to stderr, secrets redacted. After the process exited it waits briefly for the
   * pipe to drain: its last words, the reason it stopped, arrive after the exit.
   */
  async stderrTail(): Promise<string> {
    if (this.#closed) await Promise.race([this.#stderrEnded, delay(250)]);
    return this.redact(this.#stderr);
  }

  /** Closes the client: a stdio server is asked to exit (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.client.close().catch(() => undefined);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
