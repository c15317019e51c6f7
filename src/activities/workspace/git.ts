import { spawn } from 'node:child_process';
import { GitFailedError } from './errors';

/**
 * The one way this module runs git. Every call gets SAFE_CONFIG on its command line and a cleaned environment; the
 * repository is always named explicitly (`--git-dir`, `--work-tree`), never discovered from the working directory.
 *
 * Why both: a repository's own config can name programs git runs (core.fsmonitor, hooks, filter and diff drivers,
 * credential helpers, core.sshCommand, url.*.insteadOf, include.path…). Planwright's repositories are made and
 * resealed by config-guard.ts, so their config is ours; SAFE_CONFIG is the second wall for the keys that run code even
 * when the config is not ours (`-c` beats every config file), and for the worker's own global config.
 *
 * A command that reads a working tree reads files an agent wrote: its `.gitattributes` can name any filter, diff or
 * merge driver, and any driver the worker's own config defines (git-lfs's filter, which reads an agent-written
 * `.lfsconfig`, or an operator's textconv) would then run on the host as the worker. So such a command runs with our
 * config alone (no system or global config, no home), unless the caller names the worker's config on purpose for a
 * network command on a tree no agent wrote (submodules and LFS content of the run's base).
 */

/**
 * `-c` overrides on every git command, each for a reason:
 * - core.hooksPath=/dev/null: no hook runs, whether the repository's, a template's or one an agent planted;
 * - core.fsmonitor=false: the fsmonitor setting is a command run on every index refresh;
 * - commit.gpgSign/tag.gpgSign=false: signing would run gpg.program and may prompt;
 * - protocol.ext.allow=never: `ext::` URLs (say, in a .gitmodules) run commands;
 * - gc.autoDetach=false: an automatic gc finishes before the command returns, never behind a released lock;
 * - color.ui=false, core.quotePath=false, advice.detachedHead=false: output this module parses stays plain.
 * Not set: GIT_CONFIG_NOSYSTEM. The system and global config are the worker operator's (credential helpers, proxies,
 * git-lfs's filter), trusted like the worker's environment; only repository config is untrusted here.
 */
export const SAFE_CONFIG: readonly (readonly [string, string])[] = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['protocol.ext.allow', 'never'],
  ['gc.autoDetach', 'false'],
  ['color.ui', 'false'],
  ['core.quotePath', 'false'],
  ['advice.detachedHead', 'false'],
  // Submodules are never followed: a gitlink's repository (an agent's nested one included) has its own config, with
  // its own filters, and `.gitmodules` URLs can point anywhere (a service on the worker's loopback).
  ['submodule.recurse', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['diff.ignoreSubmodules', 'all'],
  ['status.submoduleSummary', 'false'],
];

/**
 * The environment of a command that runs with our config alone: no system or global config, no system attributes,
 * and a home with nothing in it (git reads `~/.gitconfig` and `$XDG_CONFIG_HOME/git/{config,attributes}` from there).
 */
const OWN_CONFIG_ONLY: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  HOME: '/nonexistent',
  XDG_CONFIG_HOME: '/nonexistent',
};

/** SAFE_CONFIG as `git` arguments. */
export const SAFE_CONFIG_ARGS: readonly string[] = SAFE_CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]);

/**
 * Variables that point git at another repository, index or object store, or carry a parent git's `-c` options: a
 * worker started from inside a git hook or a repository must not aim our git anywhere else.
 */
const INHERITED_GIT_STATE = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
  'GIT_SHALLOW_FILE',
  'GIT_REPLACE_REF_BASE',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
];

/** The environment git runs with: the worker's (credentials, ssh, proxies), minus INHERITED_GIT_STATE, plus these. */
export function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_GIT_STATE) delete env[name];
  return {
    ...env,
    // Messages in English (this module classifies failures by them); never wait for a person.
    LC_ALL: 'C',
    LANGUAGE: '',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_EDITOR: ':',
    GIT_SEQUENCE_EDITOR: ':',
    // Replace refs and grafts would let a checkout's refs make history read differently to us than to the remote.
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_GRAFT_FILE: '/dev/null',
    // LFS content is pulled in one batch after checkout (checkout-content.ts), not file by file inside it.
    GIT_LFS_SKIP_SMUDGE: '1',
    ...extra,
  };
}

export interface GitRunOptions {
  /** The repository: passed as `--git-dir`. Absent only for commands that need none (init, ls-remote, version). */
  gitDir?: string;
  /** The working tree: passed as `--work-tree` and used as the working directory. */
  workTree?: string;
  /** Bytes for stdin. */
  input?: string;
  /** More environment variables (identity, GIT_CEILING_DIRECTORIES…). */
  env?: Record<string, string>;
  /** Most milliseconds before git is stopped; default 10 minutes. */
  timeoutMs?: number;
  /** Most bytes of stdout kept; beyond it git is stopped and the result says truncated. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Exit codes that are not failures; default [0]. */
  okExitCodes?: readonly number[];
  /** Aborts git (an activity's cancellation). */
  signal?: AbortSignal;
  /**
   * Whose config git reads besides the repository's (which is ours). `own` (the default for a command with a working
   * tree, which an agent may have written): none. `worker`: the system and global config too (credential helpers,
   * proxies), for network commands and for trees no agent wrote.
   */
  config?: 'own' | 'worker';
}

export interface GitOutput {
  stdout: string;
  stderr: string;
  /** Exit code; null when git was stopped after maxOutputBytes. */
  code: number | null;
  /** True when stdout was cut at maxOutputBytes. */
  truncated: boolean;
}

/** Default per-command time limit. */
export const DEFAULT_GIT_TIMEOUT_MS = 10 * 60_000;
const MAX_STDERR_BYTES = 256 * 1024;

/** The last non-empty line of git's stderr, for one-line messages. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/**
 * Runs `git <SAFE_CONFIG> [--git-dir] [--work-tree] <args>` and resolves with its output. Rejects with
 * GitFailedError when git is missing, times out, is aborted, or exits with a code outside okExitCodes.
 */
export function git(args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
  const location = [
    ...(options.gitDir ? [`--git-dir=${options.gitDir}`] : []),
    ...(options.workTree ? [`--work-tree=${options.workTree}`] : []),
  ];
  const argv = [...SAFE_CONFIG_ARGS, ...location, ...args];
  const okCodes = options.okExitCodes ?? [0];
  const maxOut = options.maxOutputBytes ?? 64 * 1024 * 1024;
  const what = `git ${args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? ''}`;
  // Commands without a repository run from "/" with discovery fenced off, so no repository around the worker's
  // working directory (and its config) takes part.
  const cwd = options.workTree ?? options.gitDir ?? '/';
  const ownConfigOnly = (options.config ?? (options.workTree ? 'own' : 'worker')) === 'own';
  const env = gitEnvironment({
    ...(options.gitDir ? {} : { GIT_CEILING_DIRECTORIES: '/' }),
    ...(ownConfigOnly ? OWN_CONFIG_ONLY : {}),
    ...options.env,
  });

  return new Promise((resolve, reject) => {
    const child = spawn('git', argv, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let truncated = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS);

    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      if (outBytes + chunk.length > maxOut) {
        out.push(chunk.subarray(0, maxOut - outBytes));
        outBytes = maxOut;
        truncated = true;
        child.kill('SIGTERM');
        return;
      }
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > MAX_STDERR_BYTES) err = err.subarray(err.length - MAX_STDERR_BYTES);
    });
    // git may exit before reading all of stdin (an early failure): that EPIPE is reported through the exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');

    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(
          new GitFailedError('git is not installed on this worker (or not on PATH): install git 2.30 or later', argv),
        );
      } else if (e.name === 'AbortError') {
        reject(new GitFailedError(`${what} was cancelled`, argv));
      } else reject(new GitFailedError(`${what} could not start: ${e.message}`, argv));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = err.toString('utf8');
      const stdout = Buffer.concat(out).toString('utf8');
      if (truncated) return resolve({ stdout, stderr, code: null, truncated });
      if (timedOut) {
        const seconds = Math.round((options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS) / 1000);
        return reject(new GitFailedError(`${what} took longer than ${seconds} s and was stopped`, argv, stderr));
      }
      if (code !== null && okCodes.includes(code)) return resolve({ stdout, stderr, code, truncated });
      const reason = lastLine(stderr) || `exit code ${code ?? 'none (killed)'}`;
      reject(new GitFailedError(`${what} failed: ${reason}`, argv, stderr, code));
    });
  });
}

/** The version of the worker's git, as [major, minor, patch]. */
export async function gitVersion(): Promise<[number, number, number]> {
  const { stdout } = await git(['version']);
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!match) throw new GitFailedError(`cannot read the version of git from "${stdout.trim()}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}
