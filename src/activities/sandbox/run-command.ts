import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CommandResult, DEFAULT_OUTPUT_BYTES, RunCommandOptions } from '../../domain/commands';
import { bwrapArgs, commandEnv, limitedCommand, resolveLimits } from './bwrap-args';
import { inspectCheckout } from './checkout';
import { INSTALL_BWRAP, SandboxError } from './errors';
import { readRootLayout, SANDBOX_ETC_FILES } from './filesystem';
import { type Launch, runProcess } from './process-runner';

export interface RunCommandContext {
  /** Aborting stops the command like a timeout does, then rejects with the signal's reason (activity cancellation). */
  signal?: AbortSignal;
}

/**
 * Runs one command in a task's checkout and reports how it ended. With `sandbox: 'bwrap'` the command sees only the
 * system's read-only toolchain, a private /tmp and home, and the checkout at /work (its .git read-only); it has no
 * network, no host processes, no worker environment and bounded memory, processes and file sizes.
 *
 * The command's own failures (a non-zero exit, a timeout, a signal) are results. Failures of the host or of our setup
 * (bwrap missing, user namespaces refused, a checkout owned by root) throw a SandboxError; invalid options throw the
 * schema's error.
 */
export async function runCommand(options: RunCommandOptions, context: RunCommandContext = {}): Promise<CommandResult> {
  const opts = RunCommandOptions.parse(options);
  const checkout = await inspectCheckout(opts.checkout);
  const limits = resolveLimits(opts.limits);
  const inner = limitedCommand(limits, opts.command);
  const run = { timeoutMs: opts.timeoutMs, maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_OUTPUT_BYTES, ...context };

  if (opts.sandbox === 'bwrap') {
    const args = bwrapArgs({
      checkout: opts.checkout,
      gitEntry: checkout.gitEntry,
      rootLayout: await readRootLayout(),
      env: commandEnv(opts.env),
      tmpfsBytes: limits.tmpfsBytes,
      ...(opts.network ? { network: true } : {}),
      firstEtcFd: 3,
    });
    const launch: Launch = {
      file: 'bwrap',
      args: [...args, ...inner],
      // bwrap itself gets no worker variables either, and a directory every user may enter.
      cwd: '/',
      env: { PATH: commandEnv().PATH! },
      runAs: checkout.runAs,
      fdData: SANDBOX_ETC_FILES.map((f) => f.content),
      sandboxed: true,
      missing: new SandboxError('bwrap-missing', INSTALL_BWRAP),
    };
    return runProcess(launch, run);
  }

  // Unsandboxed, on the user's explicit opt-in: same limits, same clean environment and a throwaway home, but the
  // command sees the host as the worker's user (or the checkout's owner) does.
  const home = await mkdtemp(path.join(tmpdir(), 'pw-command-home-'));
  try {
    if (checkout.runAs) await chown(home, checkout.runAs.uid, checkout.runAs.gid);
    const [file, ...args] = inner;
    const launch: Launch = {
      file: file!,
      args,
      cwd: opts.checkout,
      env: { ...commandEnv(opts.env), HOME: home },
      runAs: checkout.runAs,
      fdData: [],
      sandboxed: false,
      missing: new SandboxError('tools-missing', `${file} not found: install util-linux on the worker`),
    };
    return await runProcess(launch, run);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
