import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { searchAttributeFlags } from '../domain/search-attributes';
import { UserError } from './errors';
import { stateDir } from './paths';

export interface DevServerOptions {
  binary: string;
  port?: number;
  uiPort?: number;
  /** SQLite file that keeps history across restarts; default .planwright/temporal-dev.db (-<port>.db off 7233). */
  dbFile?: string;
  namespace?: string;
  /** Pass the child's output through (for `planwright server`); otherwise it is kept quiet. */
  inheritOutput?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** True when something accepts TCP connections at host:port within the timeout. */
export function isPortOpen(address: string, timeoutMs = 1000): Promise<boolean> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i) || 'localhost', Number(address.slice(i + 1))];
}

/**
 * Dynamic config for the single-shard dev server. Its history service reads each shard's transfer queue (the hop of
 * every workflow task, child start and child completion) at most 20 times a second by default, which adds ~20 ms to
 * each of those hops: a task of two model calls waited ~100 ms on it. 200 reads a second cut a task's orchestration
 * from ~280 ms to ~95 ms at 8 tasks in flight; 1000 was slower again (the reads cost CPU), and under full load fewer
 * reads batch more work per read (docs/benchmarks.md).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 200,
};

export function devServerTuningFlags(): string[] {
  return Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${value}`,
  ]);
}

/** The default database of a dev server on `port`: one per server, so two servers never share one. */
export function defaultDbFile(port = 7233): string {
  return path.join(stateDir(), port === 7233 ? 'temporal-dev.db' : `temporal-dev-${port}.db`);
}

/** The Web UI port that goes with a server port: 8233 beside 7233, else the server's port plus 1000. */
export function defaultUiPort(port = 7233): number {
  return port === 7233 ? 8233 : port + 1000;
}

/** host and port of `host:port` (an IPv6 host in brackets too). */
export function splitTemporalAddress(address: string): { host: string; port: number } {
  const [host, port] = splitAddress(address);
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

/** True for an address of this machine's loopback, where the demo may start a dev server of its own. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function devServerArgs(options: DevServerOptions): string[] {
  const dbFile = options.dbFile ?? defaultDbFile(options.port);
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port ?? 7233),
    '--ui-port',
    String(options.uiPort ?? defaultUiPort(options.port)),
    '--db-filename',
    dbFile,
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
    ...devServerTuningFlags(),
  ];
}

/** Starts `temporal server start-dev` with a persistent database and Planwright's search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(stateDir(), { recursive: true });
  const port = options.port ?? 7233;
  const address = `127.0.0.1:${port}`;
  if (await isPortOpen(address)) {
    throw new UserError(`port ${port} is already in use; a server may already run there (reuse it) or pick --port`);
  }
  const child = spawn(options.binary, devServerArgs(options), {
    stdio: options.inheritOutput ? 'inherit' : ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!(await isPortOpen(address, 500))) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('waiting'), 250))]);
    if (early !== 'waiting') throw new UserError(`the Temporal dev server exited (${String(early)}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new UserError(`the Temporal dev server did not open ${address} within 60 s: ${stderr.trim()}`);
    }
  }
  return {
    address,
    uiUrl: `http://localhost:${options.uiPort ?? defaultUiPort(options.port)}`,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (!stopped) child.kill('SIGKILL');
    },
  };
}
