import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_COMMAND_LIMITS, type SandboxLimitsInForce, type SandboxProbe } from '../../domain/commands';
import { DEFAULT_CHECKOUT_OWNER } from './checkout';
import { SandboxError } from './errors';
import { runCommand } from './run-command';

const PROBE_TIMEOUT_MS = 15_000;
/** The smallest process limit the options accept; the fork test starts twice as many sleepers. */
const PROBE_PROCESSES = 8;

/**
 * Tries the sandbox with its real flags at worker start: can bwrap build it here, and which limits hold inside? Never
 * throws; when commands cannot be sandboxed, the reason is one line that names the fix.
 */
export async function probeSandbox(): Promise<SandboxProbe> {
  let checkout: string | undefined;
  try {
    checkout = await mkdtemp(path.join(tmpdir(), 'pw-sandbox-probe-'));
    await mkdir(path.join(checkout, '.git'));
    // A root worker runs commands as the checkout's owner, so the probe's checkout belongs to the default owner.
    if (process.getuid?.() === 0) {
      await chown(checkout, DEFAULT_CHECKOUT_OWNER.uid, DEFAULT_CHECKOUT_OWNER.gid);
      await chown(path.join(checkout, '.git'), DEFAULT_CHECKOUT_OWNER.uid, DEFAULT_CHECKOUT_OWNER.gid);
    }
    const base = { checkout, timeoutMs: PROBE_TIMEOUT_MS, sandbox: 'bwrap' } as const;
    const limitsRun = await runCommand({
      ...base,
      command: { shell: 'cat /proc/self/limits; echo "niceness $(nice)"' },
    });
    if (limitsRun.exitCode !== 0) {
      return { ok: false, reason: `the sandbox starts but a trivial command fails: ${firstLine(limitsRun.output)}` };
    }
    // RLIMIT_NPROC is set either way; whether the kernel applies it depends on the uid outside, so try it.
    const forkRun = await runCommand({
      ...base,
      limits: { processes: PROBE_PROCESSES },
      command: {
        shell: `i=0; while [ $i -lt ${PROBE_PROCESSES * 2} ]; do sleep 1 & i=$((i+1)); done; echo all-started`,
      },
    });
    const forkRefused = /Cannot fork|Resource temporarily unavailable/.test(forkRun.output);
    return {
      ok: true,
      limits: limitsInForce(limitsRun.output, forkRefused && !forkRun.output.includes('all-started')),
    };
  } catch (err) {
    if (err instanceof SandboxError) return { ok: false, reason: err.message };
    return { ok: false, reason: `sandbox probe failed: ${(err as Error).message}` };
  } finally {
    if (checkout) await rm(checkout, { recursive: true, force: true });
  }
}

/** Reads /proc/self/limits ("Max data size  2147483648  2147483648  bytes") against the defaults. */
export function limitsInForce(procLimits: string, processesBind: boolean): SandboxLimitsInForce {
  const soft = (label: string) => procLimits.match(new RegExp(`^${label}\\s+(\\S+)`, 'm'))?.[1];
  return {
    memory: soft('Max data size') === String(DEFAULT_COMMAND_LIMITS.memoryBytes),
    processes: processesBind && soft('Max processes') === String(DEFAULT_COMMAND_LIMITS.processes),
    fileSize: soft('Max file size') === String(DEFAULT_COMMAND_LIMITS.fileSizeBytes),
    coreDumps: soft('Max core file size') === '0',
    cpuTime: soft('Max cpu time') === String(DEFAULT_COMMAND_LIMITS.cpuSeconds),
    priority: soft('niceness') === String(DEFAULT_COMMAND_LIMITS.niceness),
  };
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
