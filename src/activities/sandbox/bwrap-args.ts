import { DEFAULT_COMMAND_LIMITS, type CommandLimits, type CommandLine } from '../../domain/commands';
import {
  HOST_ETC_READONLY,
  type RootEntry,
  SANDBOX_ETC_FILES,
  SANDBOX_GID,
  SANDBOX_HOME,
  SANDBOX_UID,
  SANDBOX_WORKDIR,
} from './filesystem';

/** The host's resolver configuration, for setup commands that keep the network. */
const NETWORK_ETC = ['/etc/resolv.conf', '/etc/nsswitch.conf', '/etc/hosts', '/etc/gai.conf'];

/** PATH inside the sandbox (and for `sandbox: 'none'`): the system's, never the worker's. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
export const SANDBOX_LANG = 'C.UTF-8';

/** Every limit with its default filled in. */
export type ResolvedLimits = Required<CommandLimits>;

export function resolveLimits(limits: CommandLimits = {}): ResolvedLimits {
  return { ...DEFAULT_COMMAND_LIMITS, ...limits };
}

/** The command's whole environment apart from HOME: PATH and LANG, then the caller's allowlist. */
export function commandEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: SANDBOX_PATH, LANG: SANDBOX_LANG, ...env };
}

/**
 * The argv that sets the priority and limits and runs the command: prlimit (util-linux) sets soft and hard limits alike, so the
 * command cannot raise them again. Sizes are plain byte counts: prlimit 2.38 crashes on suffixes such as `2G`. The
 * inner `sh` sends stderr into stdout before the command starts, so the caller reads one interleaved stream, and
 * whatever still arrives on the outer stderr comes from bwrap or prlimit themselves.
 */
export function limitedCommand(limits: ResolvedLimits, command: CommandLine): string[] {
  const argv = 'shell' in command ? ['/bin/sh', '-c', command.shell] : command.argv;
  return [
    // Niceness only rises without privileges: the command cannot take its priority back.
    '/usr/bin/nice',
    '-n',
    String(limits.niceness),
    '/usr/bin/prlimit',
    `--cpu=${limits.cpuSeconds}`,
    `--data=${limits.memoryBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeBytes}`,
    '--core=0',
    '--',
    '/bin/sh',
    '-c',
    'exec "$@" 2>&1',
    'sh',
    ...argv,
  ];
}

export interface SandboxPlan {
  /** Absolute host path of the checkout, bound read-write at /work. */
  checkout: string;
  /** The checkout's `.git` (directory or file), bound read-only over the writable checkout. */
  gitEntry: string;
  rootLayout: RootEntry[];
  /** From commandEnv(): HOME is added here, last, so nothing overrides it. */
  env: Record<string, string>;
  tmpfsBytes: number;
  /** Keep the host's network namespace (setup commands only) and its DNS configuration. */
  network?: boolean;
  /** fd carrying the first of SANDBOX_ETC_FILES; the others follow in order. */
  firstEtcFd: number;
}

/** bwrap's arguments, up to and including `--`; the command (limitedCommand) follows them. */
export function bwrapArgs(plan: SandboxPlan): string[] {
  const args = [
    // Every namespace: no network (a fresh netns holds only loopback), no view of host processes or IPC.
    '--unshare-all',
    // Named on its own so that a host without user namespaces fails loudly instead of silently skipping it.
    '--unshare-user',
    // Only setup commands (npm ci) keep the network, to fetch dependencies.
    ...(plan.network ? ['--share-net'] : []),
    // Commands may not build namespaces of their own (less kernel surface, no re-arranged mounts).
    '--disable-userns',
    ...['--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_GID), '--hostname', 'sandbox'],
    '--die-with-parent',
    // setsid(): no controlling terminal, so no TIOCSTI keystrokes pushed into a terminal outside.
    '--new-session',
    // A worker started as root would otherwise hand its capabilities into the sandbox.
    ...['--cap-drop', 'ALL'],
    '--clearenv',
    ...Object.entries(plan.env).flatMap(([name, value]) => ['--setenv', name, value]),
    ...['--setenv', 'HOME', SANDBOX_HOME],
    ...['--ro-bind', '/usr', '/usr'],
    ...plan.rootLayout.flatMap((e) =>
      e.symlinkTo === undefined ? ['--ro-bind', e.path, e.path] : ['--symlink', e.symlinkTo, e.path],
    ),
    ...HOST_ETC_READONLY.flatMap((path) => ['--ro-bind-try', path, path]),
    // With the network, names resolve as on the host: its resolver files replace the sandbox's files-only ones.
    ...SANDBOX_ETC_FILES.flatMap((file, i) =>
      plan.network && NETWORK_ETC.includes(file.path) ? [] : ['--ro-bind-data', String(plan.firstEtcFd + i), file.path],
    ),
    ...(plan.network ? NETWORK_ETC.flatMap((path) => ['--ro-bind-try', path, path]) : []),
    // A new /proc shows only the sandbox's processes: the worker's /proc/<pid>/environ is out of reach.
    ...['--proc', '/proc', '--dev', '/dev'],
    // Memory-backed directories each get a size, or writing files there could exhaust the host's memory.
    ...['--size', String(plan.tmpfsBytes), '--tmpfs', '/dev/shm'],
    ...['--size', String(plan.tmpfsBytes), '--tmpfs', '/tmp'],
    ...['--size', String(plan.tmpfsBytes), '--perms', '0700', '--tmpfs', SANDBOX_HOME],
    ...['--bind', plan.checkout, SANDBOX_WORKDIR],
    // Read-only on top: a hook or a `core.fsmonitor` planted in .git would run later in git commands on the host.
    ...['--ro-bind', plan.gitEntry, `${SANDBOX_WORKDIR}/.git`],
    // bwrap's root and /dev are unbounded tmpfs writable by the sandbox user: freeze them once mounts exist.
    ...['--remount-ro', '/dev', '--remount-ro', '/'],
    ...['--chdir', SANDBOX_WORKDIR],
    '--',
  ];
  return args;
}
