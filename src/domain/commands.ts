import { z } from 'zod';
import { MAX_COMMAND_CHARS, MAX_COMMAND_TIMEOUT_SECONDS } from './limits';

/**
 * One command run in a task's checkout: what the caller asks for and what comes back. These shapes cross the activity
 * boundary; the worker runs them with `runCommand` (src/activities/sandbox).
 */

/** Most bytes of a command's output kept by default: the first quarter and the last three quarters, cut in between. */
export const DEFAULT_OUTPUT_BYTES = 64 * 1024;
/** Most output bytes a caller may ask to keep (results travel in activity payloads, which Temporal caps at 2 MiB). */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Per-process limits inside the sandbox, with their defaults; core dumps are always off. CPU: RLIMIT_CPU ends a process
 * that computed for cpuSeconds, and every command runs at a lower priority (niceness), so a command that keeps both
 * cores busy (a fork bomb held at the process limit, a runaway loop) slows itself, not the worker.
 */
export const DEFAULT_COMMAND_LIMITS = {
  memoryBytes: 2 * 1024 ** 3,
  processes: 512,
  fileSizeBytes: 1024 ** 3,
  tmpfsBytes: 512 * 1024 ** 2,
  cpuSeconds: 600,
  niceness: 15,
} as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What to run: a shell line (as a user types it) or an argument vector (when code builds it from data). */
export const CommandLine = z.union([
  z
    .object({
      shell: z.string().min(1).max(MAX_COMMAND_CHARS).describe('A command line run by /bin/sh -c, e.g. "npm test"'),
    })
    .strict(),
  z
    .object({
      argv: z
        .array(z.string().max(MAX_COMMAND_CHARS))
        .min(1)
        .max(256)
        .describe('Program and arguments, run without a shell; the program is looked up on PATH'),
    })
    .strict(),
]);
export type CommandLine = z.infer<typeof CommandLine>;

export const CommandLimits = z
  .object({
    memoryBytes: z
      .number()
      .int()
      .min(64 * 1024 ** 2)
      .optional()
      .describe('Writable memory per process (RLIMIT_DATA), default 2 GiB'),
    processes: z
      .number()
      .int()
      .min(8)
      .max(4096)
      .optional()
      .describe('Processes and threads together (RLIMIT_NPROC), default 512'),
    fileSizeBytes: z.number().int().min(1024).optional().describe('Largest file a command may write, default 1 GiB'),
    tmpfsBytes: z
      .number()
      .int()
      .min(1024 ** 2)
      .optional()
      .describe('Size of each of the private /tmp and home directory (memory-backed), default 512 MiB'),
    cpuSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('CPU seconds one process may use (RLIMIT_CPU), then the kernel ends it; default 600'),
    niceness: z
      .number()
      .int()
      .min(0)
      .max(19)
      .optional()
      .describe('Scheduling niceness of the command (higher yields more CPU to the worker), default 15'),
  })
  .strict();
export type CommandLimits = z.infer<typeof CommandLimits>;

export const RunCommandOptions = z
  .object({
    checkout: z.string().startsWith('/').describe("Absolute path of the task's checkout; it becomes /work inside"),
    command: CommandLine.describe('What to run, in /work'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(MAX_COMMAND_TIMEOUT_SECONDS * 1000)
      .describe('Wall-clock limit; past it every process of the command is killed and the result says timedOut'),
    env: z
      .record(z.string().regex(ENV_NAME), z.string())
      .refine((env) => !('HOME' in env), 'HOME is the sandbox home and cannot be set')
      .optional()
      .describe('Variables added to PATH, HOME and LANG; nothing else of the worker environment reaches the command'),
    limits: CommandLimits.optional().describe('Resource limits; each unset field takes its default'),
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(MAX_OUTPUT_BYTES)
      .optional()
      .describe('Output bytes kept (head and tail), default 64 KiB'),
    network: z
      .boolean()
      .optional()
      .describe("Keep the host's network (setup commands such as npm ci only; agent commands and verify never get it)"),
    sandbox: z
      .enum(['bwrap', 'none'])
      .describe("'bwrap' isolates the command; 'none' runs it on the host, only on the user's explicit opt-in"),
  })
  .strict();
export type RunCommandOptions = z.infer<typeof RunCommandOptions>;

export const CommandResult = z.object({
  exitCode: z
    .number()
    .int()
    .nullable()
    .describe('Exit status; null when killed. In the sandbox a command killed by signal N reports 128+N'),
  signal: z.string().optional().describe('Signal that ended the command as the worker saw it, e.g. SIGKILL'),
  timedOut: z.boolean().describe('The time limit ended the command'),
  output: z.string().describe('Standard output and error interleaved, cut in the middle past the byte cap'),
  outputBytes: z.number().int().describe('Bytes the command wrote in total, kept or not'),
  durationMs: z.number().int().describe('Wall-clock time from start to the end of the last process'),
  sandboxed: z.boolean().describe('false when the command ran on the host without isolation (sandbox: none)'),
});
export type CommandResult = z.infer<typeof CommandResult>;

/** Which limits the worker's sandbox enforces, as measured by the start-up probe. */
export const SandboxLimitsInForce = z.object({
  memory: z.boolean().describe('RLIMIT_DATA is set inside the sandbox'),
  processes: z.boolean().describe('RLIMIT_NPROC stops forks inside the sandbox (it never binds host root)'),
  fileSize: z.boolean().describe('RLIMIT_FSIZE is set inside the sandbox'),
  coreDumps: z.boolean().describe('RLIMIT_CORE is 0 inside the sandbox'),
  cpuTime: z.boolean().describe('RLIMIT_CPU is set inside the sandbox'),
  priority: z.boolean().describe('Commands run at the lowered priority (their niceness is the default)'),
});
export type SandboxLimitsInForce = z.infer<typeof SandboxLimitsInForce>;

export const SandboxProbe = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    limits: SandboxLimitsInForce.describe('Limits measured in force'),
  }),
  z.object({
    ok: z.literal(false),
    reason: z.string().describe('One line: why commands cannot be sandboxed here and how to fix it'),
  }),
]);
export type SandboxProbe = z.infer<typeof SandboxProbe>;
