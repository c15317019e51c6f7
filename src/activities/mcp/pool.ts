import type { McpServerConfig } from '../../config/mcp';
import { MCP_INVALID_CALL, MCP_SERVER_UNAVAILABLE } from '../../domain/mcp';
import { CallSlots } from './call-slots';
import { connectMcpServer } from './connect';
import type { McpConnection } from './connection';
import { mcpFailure } from './errors';

/**
 * The MCP clients of one worker process. Invariant: at most one connection per key, and a key's connection is either
 * being started (its promise pending) or live; a closed one (its process exited) or a failed start is dropped, so the
 * next use starts the server again. Stateless servers are shared by every task of the worker under the server's name;
 * stateful ones and those run in a task's checkout get one per task (and per checkout: a task moved to another
 * directory gets a new one).
 */

export interface McpPoolOptions {
  /** Where `envFrom` and `headersFromEnv` are read when a server starts or connects; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Working directory of stdio servers with `cwd: 'worker'` (the default); default process.cwd(). */
  workerDir?: string;
  /** How the worker introduces itself to servers. */
  clientInfo?: { name: string; version: string };
}

/** Which task a connection is for: required for per-task servers, ignored by shared ones. */
export interface McpScope {
  /** The task's id (any string unique to a task on this worker). */
  taskKey?: string;
  /** Absolute path of the task's checkout: required for servers with `cwd: 'checkout'`. */
  checkoutDir?: string;
}

/** A connection the pool holds, for status pages and tests. */
export interface McpPoolEntry {
  server: string;
  /** The task a per-task connection belongs to. */
  taskKey?: string;
  /** The process id of a stdio server, once started. */
  pid?: number;
}

interface Slot {
  server: string;
  taskKey?: string;
  connection: Promise<McpConnection>;
  /** Set once started, for synchronous reads. */
  live?: McpConnection;
}

/** Whether `server` runs one instance per task rather than one for the whole worker. */
export function isPerTaskServer(server: McpServerConfig): boolean {
  // A server in a checkout sees that task's files only: sharing it would hand one task another's checkout.
  return server.stateful || server.cwd === 'checkout';
}

export class McpClientPool {
  /** Each server's calls in flight on this worker, bounded by its maxConcurrentCalls. */
  readonly calls = new CallSlots();
  readonly #slots = new Map<string, Slot>();
  readonly #env: NodeJS.ProcessEnv;
  readonly #workerDir: string;
  readonly #clientInfo: { name: string; version: string };
  #closing = false;

  constructor(options: McpPoolOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#workerDir = options.workerDir ?? process.cwd();
    this.#clientInfo = options.clientInfo ?? { name: 'planwright', version: '0' };
  }

  /**
   * The live connection to server `name` for `scope`: started (or connected) on first use, and again when the last
   * one closed. Throws the ApplicationFailure of ./connect.ts when it cannot be started.
   */
  async connection(name: string, server: McpServerConfig, scope: McpScope = {}): Promise<McpConnection> {
    // Retryable: the activity moves on to a worker that is not shutting down.
    if (this.#closing) throw mcpFailure(MCP_SERVER_UNAVAILABLE, name, 'this worker is shutting down');
    const { key, taskKey, cwd } = this.#place(name, server, scope);
    const held = this.#slots.get(key);
    if (held) {
      const connection = await held.connection;
      if (!connection.closed) return connection;
      // The process died since its last use: drop it (if no one did yet) and start another.
      if (this.#slots.get(key) === held) this.#slots.delete(key);
      return this.connection(name, server, scope);
    }
    const started = connectMcpServer(name, server, { cwd, workerEnv: this.#env, clientInfo: this.#clientInfo });
    const slot: Slot = {
      server: name,
      ...(taskKey !== undefined ? { taskKey } : {}),
      connection: started.then(
        (connection) => (slot.live = connection),
        (err: unknown) => {
          if (this.#slots.get(key) === slot) this.#slots.delete(key);
          throw err;
        },
      ),
    };
    this.#slots.set(key, slot);
    return slot.connection;
  }

  /** Closes `connection` and forgets it, so that the next use of its key starts the server again. */
  async discard(connection: McpConnection): Promise<void> {
    for (const [key, slot] of this.#slots) if (slot.live === connection) this.#slots.delete(key);
    await connection.close();
  }

  /** Closes the per-task connections of `taskKey`: call when the task ends or leaves this worker. */
  async closeTask(taskKey: string): Promise<void> {
    await this.#closeWhere((slot) => slot.taskKey === taskKey);
  }

  /** Closes every connection and refuses new ones: call on worker shutdown, so that no server outlives it. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await this.#closeWhere(() => true);
  }

  /** The connections held now, started ones with their process ids. */
  entries(): McpPoolEntry[] {
    return [...this.#slots.values()].map((slot) => ({
      server: slot.server,
      ...(slot.taskKey !== undefined ? { taskKey: slot.taskKey } : {}),
      ...(slot.live?.pid !== undefined ? { pid: slot.live.pid } : {}),
    }));
  }

  async #closeWhere(match: (slot: Slot) => boolean): Promise<void> {
    const closing: Array<Promise<unknown>> = [];
    for (const [key, slot] of this.#slots) {
      if (!match(slot)) continue;
      this.#slots.delete(key);
      // A start still under way is closed once it is done; one that failed has nothing to close.
      closing.push(
        slot.connection.then(
          (connection) => connection.close(),
          () => undefined,
        ),
      );
    }
    await Promise.all(closing);
  }

  /** The key, task and working directory of a connection; a per-task server without its task is our bug. */
  #place(name: string, server: McpServerConfig, scope: McpScope): { key: string; taskKey?: string; cwd: string } {
    const inCheckout = server.command !== undefined && server.cwd === 'checkout';
    if (inCheckout && !scope.checkoutDir) {
      throw mcpFailure(
        MCP_INVALID_CALL,
        name,
        "runs in the task's checkout (cwd: 'checkout') but no checkout was given",
      );
    }
    const cwd = inCheckout ? scope.checkoutDir! : this.#workerDir;
    if (!isPerTaskServer(server)) return { key: name, cwd };
    if (!scope.taskKey) {
      throw mcpFailure(MCP_INVALID_CALL, name, 'runs one instance per task but the call names no task (taskKey)');
    }
    // Server names and paths hold no NUL, so two servers, or one task in two checkouts, never share a key.
    return { key: `${name}\u0000${scope.taskKey}\u0000${inCheckout ? cwd : ''}`, taskKey: scope.taskKey, cwd };
  }
}
