import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { CommandResult } from '../../domain/commands';
import type { HostUser } from './checkout';
import { SandboxError, setupFailureOf } from './errors';
import { OutputBuffer } from './output-buffer';

/** Time between SIGTERM and SIGKILL when a command is stopped. */
export const KILL_GRACE_MS = 2000;
/** How long output may keep flowing after the first process exits before the pipes are closed on it. */
const DRAIN_MS = 1000;
/** Bytes kept of what bwrap and prlimit print themselves (their errors are one line). */
const DIAGNOSTICS_BYTES = 4096;

/** One process to start: bwrap around the command, or the command itself. */
export interface Launch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  runAs?: HostUser;
  /** Text written to fds 3, 4, … of the process (bwrap copies each into a file inside the sandbox). */
  fdData: string[];
  sandboxed: boolean;
  /** What `ENOENT` on `file` means, as a typed error. */
  missing: SandboxError;
}

export interface RunLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
}

/**
 * Starts the process in a process group of its own and waits for it, keeping bounded output. Past the time limit (or
 * on abort) the group gets SIGTERM, then SIGKILL after KILL_GRACE_MS. In the sandbox, SIGTERM ends bwrap at once
 * (bwrap 0.8 forwards no signals), and --die-with-parent plus the pid namespace then kill every process inside,
 * including ones that left the process group; unsandboxed, such processes can escape, which is part of the opt-in risk.
 */
export function runProcess(launch: Launch, limits: RunLimits): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const output = new OutputBuffer(limits.maxOutputBytes);
    const diagnostics = new OutputBuffer(DIAGNOSTICS_BYTES);
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timers: NodeJS.Timeout[] = [];
    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, {
        cwd: launch.cwd,
        env: launch.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', ...launch.fdData.map(() => 'pipe' as const)],
        ...launch.runAs,
      });
    } catch (err) {
      reject(spawnFailure(err, launch));
      return;
    }

    let exited = false;
    const signalGroup = (sig: NodeJS.Signals) => {
      // Once the leader is reaped its pid may be reused (pid_max can be as low as 32768), so signal no group after it.
      if (child.pid === undefined || exited) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is gone already.
      }
    };
    const stop = () => {
      signalGroup('SIGTERM');
      timers.push(setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS));
    };
    const onAbort = () => stop();
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      limits.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    launch.fdData.forEach((text, i) => {
      const stream = child.stdio[3 + i] as Writable;
      stream.on('error', () => undefined); // bwrap may die before reading; its own error says why
      stream.end(text);
    });
    child.stdout!.on('data', (chunk: Buffer) => output.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => diagnostics.write(chunk));
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, limits.timeoutMs),
    );
    if (limits.signal?.aborted) stop();
    limits.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) => {
      if (child.pid === undefined) settle(() => reject(spawnFailure(err, launch)));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Unsandboxed, background processes of the command outlive it: end them, now, while the group id cannot have
      // been reused (it stays taken while any member lives; with none left the signal finds nothing).
      if (!launch.sandboxed) signalGroup('SIGKILL');
      exited = true;
      // A process that escaped the group may hold the pipes open; stop waiting for it.
      timers.push(setTimeout(() => child.stdio.forEach((s) => s?.destroy()), DRAIN_MS));
    });
    child.on('close', () => {
      settle(() => {
        if (limits.signal?.aborted) return reject(limits.signal.reason);
        const code = exit?.code ?? null;
        const printed = diagnostics.text();
        const failure = code !== 0 && !timedOut ? setupFailureOf(printed) : undefined;
        if (failure) return reject(failure);
        if (printed) output.write(Buffer.from(printed));
        resolve({
          exitCode: code,
          ...(exit?.signal ? { signal: exit.signal } : {}),
          timedOut,
          output: output.text(),
          outputBytes: output.totalBytes,
          durationMs: Math.round(performance.now() - started),
          sandboxed: launch.sandboxed,
        });
      });
    });
  });
}

function spawnFailure(err: unknown, launch: Launch): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return launch.missing;
  return new SandboxError('setup-failed', `could not start ${launch.file}: ${(err as Error).message}`);
}
