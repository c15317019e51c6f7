import { isGlobWithin, matchesGlob, parseGlob, type Glob } from './globs';
import { MAX_COMMAND_CHARS, MAX_PATH_CHARS } from './limits';
import { TOOL_NAMES } from './tools';
import type { WorkspacePolicy, WorkspacePolicyOverrides } from './workspace-policy-schema';

/**
 * The rules of a run's workspace policy, zod-free so task workflows can load them: which paths a tool may touch,
 * which commands may run, and how policies combine. A run's policy is the intersection of the user's flags and the
 * worker's ceiling (intersectPolicies), fixed at the start and recorded in history; a plan's task or a raw workflow
 * start may only narrow it (narrowPolicy). The schemas are in ./workspace-policy-schema.ts.
 */

export type PathCheck = { ok: true; normalized: string } | { ok: false; reason: string };

/**
 * Checks a path a tool was given, lexically: relative to the workspace root, "/"-separated, no "..", no NUL or
 * control characters, never into `.git` (read or write: `.git/config` may hold credentials, and hooks run code);
 * writes must match one of the policy's allowPaths. Returns the path normalized ("./a//b" is "a/b", the root is ".").
 * Symbolic links need the file system: the activity resolves the path and refuses it when it leaves the workspace
 * or reaches `.git` through a link.
 */
export function checkPath(
  policy: Pick<WorkspacePolicy, 'allowPaths'>,
  path: string,
  access: 'read' | 'write',
): PathCheck {
  const refuse = (reason: string): PathCheck => ({ ok: false, reason });
  if (path.length === 0) return refuse('the path is empty: give one relative to the workspace root, e.g. src/index.ts');
  if (path.length > MAX_PATH_CHARS) return refuse(`the path is longer than ${MAX_PATH_CHARS} characters`);
  if (path.includes('\u0000')) return refuse('the path contains a NUL character');
  if (/[\u0001-\u001f\u007f-\u009f]/.test(path)) return refuse('the path contains a control character (newline, tab…)');
  // Invisible characters that some file systems drop (HFS+ would read ".g\u200cit" as ".git").
  if (/[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/.test(path))
    return refuse('the path has an invisible character');
  if (path.includes('\\')) return refuse('use "/" between directories: backslashes are not allowed');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return refuse('absolute paths are not allowed: give the path relative to the workspace root');
  }
  if (path.startsWith('~')) return refuse('"~" is not expanded: give the path relative to the workspace root');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return refuse('".." is not allowed: give the path from the workspace root down');
  if (segments.some(isGitName)) return refuse('.git is off limits to tools');
  const normalized = segments.length > 0 ? segments.join('/') : '.';
  if (access === 'read') return { ok: true, normalized };
  if (normalized === '.') return refuse('the workspace root is not a file');
  if (!policy.allowPaths.some((g) => globOf(g).some((glob) => matchesGlob(glob, normalized)))) {
    return refuse(`${normalized} is outside the paths this run may write (${list(policy.allowPaths)})`);
  }
  return { ok: true, normalized };
}

/** `.git` as case-insensitive, NTFS and HFS+ file systems may spell it (git itself refuses these spellings). */
export function isGitName(segment: string): boolean {
  const name = segment
    .toLowerCase()
    .split(':')[0]!
    .replace(/[. ]+$/, '');
  return name === '.git' || name === 'git~1';
}

export type CommandCheck = { ok: true; argv: string[] } | { ok: false; reason: string };

const SHELL_MEANINGS: Array<[string, string]> = [
  [';&|', 'joins commands: run one command per call'],
  ['<>', 'redirects: the output comes back to you anyway'],
  ['$`', 'substitutes variables or commands'],
  ['(){}', 'groups commands'],
  ['*?[]', "expands file names: quote the pattern, e.g. '*.ts'"],
  ['~', 'expands to a home directory'],
  ['#', 'starts a comment'],
  ['!', 'recalls history'],
  ['\\', 'escapes characters: use single quotes'],
];

/**
 * Splits a command line into words, accepting only lines a POSIX shell would read as one simple command with
 * exactly these words: plain words of letters, digits and `_@%+=:,./-`, single-quoted text, and double-quoted text
 * without `$`, backquotes, `\` or `!`. Everything else (`;`, `&&`, `|`, redirections, `$(…)`, backquotes, globs,
 * newlines, `NAME=value command`) is refused, so `npm test; curl evil` cannot pass as `npm test`. The activity runs
 * the words without a shell, so even a shell would have seen the same single command.
 */
export function parseCommandLine(commandLine: string): CommandCheck {
  const refuse = (reason: string): CommandCheck => ({ ok: false, reason });
  if (commandLine.length > MAX_COMMAND_CHARS) return refuse(`it is longer than ${MAX_COMMAND_CHARS} characters`);
  if (/[\r\n]/.test(commandLine)) return refuse('it spans lines: run one command per call');
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(commandLine)) return refuse('it contains a control character');
  const argv: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < commandLine.length; i++) {
    const c = commandLine[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const end = commandLine.indexOf(c, i + 1);
      if (end < 0) return refuse(`the ${c} at column ${i + 1} is never closed`);
      const quoted = commandLine.slice(i + 1, end);
      if (c === '"' && /[$`\\!]/.test(quoted))
        return refuse('$, `, \\ and ! are not allowed in double quotes: use single');
      word = (word ?? '') + quoted;
      i = end;
    } else if (/[A-Za-z0-9_@%+=:,./-]/.test(c)) {
      word = (word ?? '') + c;
    } else {
      const meaning = SHELL_MEANINGS.find(([chars]) => chars.includes(c))?.[1];
      return refuse(meaning ? `"${c}" is not allowed unquoted: it ${meaning}` : `"${c}" must be inside single quotes`);
    }
  }
  if (word !== undefined) argv.push(word);
  if (argv.length === 0) return refuse('it is empty');
  if (argv[0]!.includes('=')) return refuse('setting variables (NAME=value command) is not supported');
  return { ok: true, argv };
}

/**
 * Whether a command may run under `policy`: its words must start with all the words of an allowlist entry ("npm
 * test" allows "npm test -- --grep x", not "npm testx" nor "npm run build"). Extra arguments can still change what
 * a program does (`--config`, `--prefix`); the sandbox the activity runs commands in stays the real boundary.
 */
export function isCommandAllowed(policy: Pick<WorkspacePolicy, 'commands'>, commandLine: string): CommandCheck {
  const parsed = parseCommandLine(commandLine);
  if (!parsed.ok) return { ok: false, reason: `"${commandLine}" cannot run: ${parsed.reason}` };
  if (policy.commands.some((entry) => startsWith(parsed.argv, argvOf(entry)))) return parsed;
  const allowed = policy.commands.length > 0 ? `allowed, with any arguments: ${list(policy.commands)}` : 'none are';
  return { ok: false, reason: `"${commandLine}" is not an allowed command (${allowed})` };
}

export type IntersectResult = { ok: true; policy: WorkspacePolicy; notes: string[] } | { ok: false; errors: string[] };

/**
 * The run's policy: what both the user's flags and a worker's ceiling allow. Tools are intersected; a command entry
 * survives as the narrower of two that overlap ("npm" and "npm test" give "npm test"); a glob survives when it lies
 * within the other side (isGlobWithin, conservative: "*.md" against "README*" keeps neither). `notes` say what
 * the ceiling dropped. Limits take the lower value. Verify commands of both sides are kept (checks only add up) and
 * must be allowed commands of the result; `errors` name those that are not, a fault of the configuration, to
 * report before the run starts.
 */
export function intersectPolicies(user: WorkspacePolicy, ceiling: WorkspacePolicy): IntersectResult {
  const notes: string[] = [];
  const drop = (what: string, allowed: readonly string[]) =>
    notes.push(`${what} is outside the worker's ceiling (allowed: ${list(allowed)}) and was dropped`);
  const tools = TOOL_NAMES.filter((t) => user.tools.includes(t) && ceiling.tools.includes(t));
  for (const t of user.tools) if (!tools.includes(t)) drop(`tool ${t}`, ceiling.tools);
  const commands = user.commands.flatMap((u) => {
    const [ua, kept] = [argvOf(u), [] as string[]];
    for (const c of ceiling.commands) {
      if (ua && startsWith(ua, argvOf(c))) kept.push(u);
      else if (startsWith(argvOf(c) ?? [], ua)) kept.push(c);
    }
    if (kept.length === 0) drop(`command "${u}"`, ceiling.commands);
    return kept;
  });
  const allowPaths = user.allowPaths.flatMap((u) => {
    const kept = isGlobInSet(u, ceiling.allowPaths) ? [u] : ceiling.allowPaths.filter((c) => isGlobInSet(c, [u]));
    if (kept.length === 0) drop(`allowPaths "${u}"`, ceiling.allowPaths);
    return kept;
  });
  const policy: WorkspacePolicy = {
    tools,
    commands: unique(commands),
    allowPaths: unique(allowPaths),
    verify: unique([...user.verify, ...ceiling.verify]),
    maxStepsPerRound: Math.min(user.maxStepsPerRound, ceiling.maxStepsPerRound),
    maxOutputChars: Math.min(user.maxOutputChars, ceiling.maxOutputChars),
    commandTimeoutSeconds: Math.min(user.commandTimeoutSeconds, ceiling.commandTimeoutSeconds),
    ...optionalLimit('maxToolCallsPerTask', lowerOf(user.maxToolCallsPerTask, ceiling.maxToolCallsPerTask)),
    ...optionalLimit('maxToolCallsPerRun', lowerOf(user.maxToolCallsPerRun, ceiling.maxToolCallsPerRun)),
  };
  const errors = policy.verify.flatMap((v) => verifyProblem(policy, v) ?? []);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, policy, notes };
}

export type NarrowResult = { ok: true; policy: WorkspacePolicy } | { ok: false; errors: string[] };

/**
 * Applies a plan task's (or a raw workflow start's) overrides to the run's policy, which they may only narrow: each
 * tool must be enabled by the run, each command allowed by it, each glob within its allowPaths (isGlobWithin), each
 * limit no higher. Verify commands add to the run's (a task cannot drop a check) and must be allowed commands of
 * the run. Errors name the field and what the run allows: `allowPaths "src/**" widens the run's policy (allowed:
 * docs/**)`. Whose fault they are is the caller's to say: the planner model's for a plan, the user's for a start.
 */
export function narrowPolicy(policy: WorkspacePolicy, overrides: WorkspacePolicyOverrides): NarrowResult {
  const errors: string[] = [];
  const widens = (field: string, value: string | number, allowed: string) =>
    errors.push(
      `${field} ${typeof value === 'string' ? `"${value}"` : value} widens the run's policy (allowed: ${allowed})`,
    );
  for (const t of overrides.tools ?? []) if (!policy.tools.includes(t)) widens('tools', t, list(policy.tools));
  for (const c of overrides.commands ?? []) {
    const parsed = parseCommandLine(c);
    if (!parsed.ok) errors.push(`commands "${c}" cannot run: ${parsed.reason}`);
    else if (!isCommandAllowed(policy, c).ok) widens('commands', c, list(policy.commands));
  }
  for (const g of overrides.allowPaths ?? []) {
    const parsed = parseGlob(g);
    if (!parsed.ok) errors.push(`allowPaths "${g}" is not a valid glob: ${parsed.reason}`);
    else if (!isGlobInSet(g, policy.allowPaths)) widens('allowPaths', g, list(policy.allowPaths));
  }
  errors.push(...(overrides.verify ?? []).flatMap((v) => verifyProblem(policy, v) ?? []));
  for (const key of ['maxStepsPerRound', 'maxOutputChars', 'commandTimeoutSeconds'] as const) {
    const value = overrides[key];
    if (value !== undefined && value > policy[key]) widens(key, value, `at most ${policy[key]}`);
  }
  const perTask = overrides.maxToolCallsPerTask;
  if (perTask !== undefined && policy.maxToolCallsPerTask !== undefined && perTask > policy.maxToolCallsPerTask) {
    widens('maxToolCallsPerTask', perTask, `at most ${policy.maxToolCallsPerTask}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: {
      tools: overrides.tools ?? policy.tools,
      commands: overrides.commands ?? policy.commands,
      allowPaths: overrides.allowPaths ?? policy.allowPaths,
      verify: unique([...policy.verify, ...(overrides.verify ?? [])]),
      maxStepsPerRound: overrides.maxStepsPerRound ?? policy.maxStepsPerRound,
      maxOutputChars: overrides.maxOutputChars ?? policy.maxOutputChars,
      commandTimeoutSeconds: overrides.commandTimeoutSeconds ?? policy.commandTimeoutSeconds,
      ...optionalLimit('maxToolCallsPerTask', overrides.maxToolCallsPerTask ?? policy.maxToolCallsPerTask),
      ...optionalLimit('maxToolCallsPerRun', policy.maxToolCallsPerRun),
    },
  };
}

/** The lower of two optional limits; unset on both sides stays unset (no limit). */
function lowerOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** An optional limit as a field to spread: absent rather than undefined, so recorded policies keep their shape. */
function optionalLimit<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** Why a verify command cannot be one under `policy`, if it cannot. */
export function verifyProblem(policy: Pick<WorkspacePolicy, 'commands'>, command: string): string | undefined {
  const check = isCommandAllowed(policy, command);
  return check.ok ? undefined : `verify ${check.reason}: allow it in the run's commands, or drop the check`;
}

/** The words of a policy entry; undefined for an entry that does not parse, which then allows nothing. */
function argvOf(entry: string): string[] | undefined {
  const parsed = parseCommandLine(entry);
  return parsed.ok ? parsed.argv : undefined;
}

function startsWith(argv: readonly string[], prefix: readonly string[] | undefined): boolean {
  return prefix !== undefined && prefix.length > 0 && prefix.every((word, i) => argv[i] === word);
}

/** A policy's glob, parsed; empty for one that does not parse, which then matches and contains nothing. */
function globOf(source: string): Glob[] {
  const parsed = parseGlob(source);
  return parsed.ok ? [parsed.glob] : [];
}

/** Whether the glob `inner` lies within the set `outers` (see isGlobWithin: conservative). */
function isGlobInSet(inner: string, outers: readonly string[]): boolean {
  const set = outers.flatMap(globOf);
  return globOf(inner).some((glob) => isGlobWithin(glob, set));
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Items for a message, or "none". */
function list(items: readonly string[]): string {
  return items.length > 0 ? items.join(', ') : 'none';
}
