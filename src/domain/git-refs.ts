import { checkRunId } from './task-address';
import { TASK_ID_PATTERN } from './task-id';

/**
 * Git names of a run: the branches Planwright writes, the trailers that mark its commits, and the checks a ref name
 * must pass. Pure, so workflows can name branches too; the git CLI only ever sees what these functions build.
 *
 * A run's branches all live under `planwright/<runId>/`: one per task, `planwright/<runId>/<taskId>`, and the run's
 * result, `planwright/<runId>/_result`. The result cannot be `planwright/<runId>` itself: git stores refs as paths, so
 * `planwright/r` and `planwright/r/t1` cannot both exist (a push of the first is refused). No task can be named
 * `_result`: task ids start with a letter or digit (TASK_ID_PATTERN).
 */

/** First component of every branch Planwright writes. */
export const BRANCH_PREFIX = 'planwright';
/** Last component of a run's result branch; outside the task-id space, so it never collides with a task's branch. */
export const RESULT_BRANCH_LEAF = '_result';
/** Most bytes of an encoded run id in a ref: one path component of a loose ref must stay under 255 bytes. */
export const MAX_REF_COMPONENT_CHARS = 200;

/** Trailer keys on every commit Planwright writes for a step. */
export const RUN_TRAILER = 'Planwright-Run';
export const TASK_TRAILER = 'Planwright-Task';
export const STEP_TRAILER = 'Planwright-Step';
/** Most characters of a step id (it is a trailer value and appears in messages). */
export const MAX_STEP_ID_CHARS = 200;

/** A name Planwright was asked to put into git that git cannot hold; the message says which and why. */
export class InvalidGitNameError extends Error {
  override name = 'InvalidGitNameError';
}

/**
 * Why `name` cannot be a git ref or branch name, or undefined when it can: the rules of `git check-ref-format`
 * (components not starting with "." nor ending in ".lock", no "..", "@{", "//", control characters, space, "~^:?*[\",
 * no leading or trailing "/", no trailing ".", not "@").
 */
export function checkRefName(name: string): string | undefined {
  if (!name) return 'a ref name cannot be empty';
  if (name === '@') return 'a ref name cannot be "@"';

  const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(name);
  if (bad) return `a ref name cannot contain ${JSON.stringify(bad[0])}`;
  if (name.includes('..')) return 'a ref name cannot contain ".."';
  if (name.includes('@{')) return 'a ref name cannot contain "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    return 'a ref name cannot start or end with "/" or contain "//"';
  }
  if (name.endsWith('.')) return 'a ref name cannot end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `a ref name component cannot start with "." ("${part}")`;
    if (part.endsWith('.lock')) return `a ref name component cannot end with ".lock" ("${part}")`;
  }
  return undefined;
}

/** True for a full commit id: 40 hex digits (SHA-1) or 64 (SHA-256), lower case as git prints them. */
export function isCommitId(value: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}

/**
 * Why `id` cannot be a step id, or undefined when it can: not blank, at most MAX_STEP_ID_CHARS characters, no control
 * characters (it is one line of a commit message).
 */
export function checkStepId(id: string): string | undefined {
  if (!id.trim()) return 'a step id cannot be empty or blank';
  if (id.length > MAX_STEP_ID_CHARS) return `a step id has at most ${MAX_STEP_ID_CHARS} characters`;

  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'a step id cannot contain control characters';
  return undefined;
}

const REF_SAFE = /^[A-Za-z0-9_.-]$/;

function percentEncode(ch: string): string {
  // encodeURIComponent gives the UTF-8 bytes of everything but a few marks, which are not ref-safe: encode those too.
  const encoded = encodeURIComponent(ch);
  return encoded.length > 1 && encoded.startsWith('%')
    ? encoded
    : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** 64-bit FNV-1a of the UTF-16 code units, as 16 hex digits: names an over-long id's ref component stably. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * One ref path component for any id: letters, digits, "_", "-" and "." stay as they are (so `pw-42` reads `pw-42`),
 * everything else becomes %XX of its UTF-8 bytes, and so does a "." that would break a rule (leading, doubled,
 * trailing, or before "lock" at the end). Reversible by decodeRefComponent. An encoding longer than
 * MAX_REF_COMPONENT_CHARS keeps its first characters and ends in `%h<16 hex digits>` of the id: no longer reversible,
 * still one name per id in practice.
 */
export function encodeRefComponent(id: string): string {
  let out = '';
  for (const ch of id) {
    if (REF_SAFE.test(ch)) out += ch;
    else if (ch.length === 1 && /[\ud800-\udfff]/.test(ch))
      throw new InvalidGitNameError(`"${id}" is not valid Unicode`);
    else out += percentEncode(ch);
  }
  out = out
    .replace(/^\./, '%2E')
    .replace(/\.(?=\.)/g, '%2E')
    .replace(/\.$/, '%2E')
    .replace(/\.lock$/, '%2Elock');
  if (out.length <= MAX_REF_COMPONENT_CHARS) return out;
  let head = out.slice(0, MAX_REF_COMPONENT_CHARS - 18);
  // Never cut through a %XX escape or end on a "." (the rules above apply to the shortened name too).
  head = head.replace(/%[0-9A-F]?$/, '').replace(/\.+$/, '');
  return `${head}%h${fnv1a64(id)}`;
}

/** The id a component encodes, or undefined when it is not one encodeRefComponent makes reversibly. */
export function decodeRefComponent(component: string): string | undefined {
  if (!component || /%h[0-9a-f]{16}$/.test(component) || !/^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})+$/.test(component)) {
    return undefined;
  }
  try {
    const id = decodeURIComponent(component);
    return encodeRefComponent(id) === component ? id : undefined;
  } catch {
    return undefined;
  }
}

function requireRunId(runId: string): void {
  const problem = checkRunId(runId);
  if (problem) throw new InvalidGitNameError(`run id ${JSON.stringify(runId)}: ${problem}`);
}

function requireTaskId(taskId: string): void {
  if (!TASK_ID_PATTERN.test(taskId)) {
    throw new InvalidGitNameError(
      `task id ${JSON.stringify(taskId)}: use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit`,
    );
  }
}

/** `planwright/<runId>/`: every branch of the run starts with it (list or clean them with one pattern). */
export function runBranchPrefix(runId: string): string {
  requireRunId(runId);
  return `${BRANCH_PREFIX}/${encodeRefComponent(runId)}/`;
}

/** The branch of a task: `planwright/<runId>/<taskId>`. Throws InvalidGitNameError for ids the run would refuse. */
export function taskBranch(runId: string, taskId: string): string {
  requireTaskId(taskId);
  return `${runBranchPrefix(runId)}${encodeRefComponent(taskId)}`;
}

/** The run's result branch, written at the end: `planwright/<runId>/_result`. */
export function resultBranch(runId: string): string {
  return `${runBranchPrefix(runId)}${RESULT_BRANCH_LEAF}`;
}

/** The run and task of a task branch, or undefined for any other name (a result branch, an over-long run id). */
export function parseTaskBranch(branch: string): { runId: string; taskId: string } | undefined {
  const parts = branch.replace(/^refs\/heads\//, '').split('/');
  if (parts.length !== 3 || parts[0] !== BRANCH_PREFIX) return undefined;
  const runId = decodeRefComponent(parts[1]!);
  const taskId = decodeRefComponent(parts[2]!);
  if (runId === undefined || taskId === undefined || !TASK_ID_PATTERN.test(taskId)) return undefined;
  return { runId, taskId };
}

/** What ties a commit to the step that made it. */
export interface StepTrailers {
  runId: string;
  taskId: string;
  stepId: string;
}

/** A trailer value: ids as they are, except "%", control characters and edge spaces (parsers trim) as %XX. */
function encodeTrailerValue(value: string): string {
  return value
    .replace(/%/g, '%25')
    .replace(/^\s+|\s+$/g, (ws) => [...ws].map(percentEncode).join(''))
    .replace(/[\u0000-\u001f\u007f]/g, percentEncode);
}

function decodeTrailerValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;
const OUR_TRAILER_LINE = /^\s*planwright-(?:run|task|step)\s*:/i;

/** Paragraphs of a message (runs of lines between blank lines), CRLF read as LF. */
function paragraphs(message: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of message.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.length) out.push(current);
      current = [];
    } else current.push(line.replace(/\s+$/, ''));
  }
  if (current.length) out.push(current);
  return out;
}

/** True when every line of a paragraph is a trailer or the continuation (indented) of one. */
function isTrailerBlock(lines: string[]): boolean {
  return TRAILER_LINE.test(lines[0] ?? '') && lines.every((l) => TRAILER_LINE.test(l) || /^\s/.test(l));
}

/**
 * A step's commit message: the agent's message, then the step's trailers, where `git interpret-trailers` finds them
 * (in the message's own trailer block when it ends with one, else in a new last paragraph). Lines of the message that
 * look like Planwright trailers are dropped, so a message cannot claim another step. A blank message becomes
 * "Planwright step <stepId>". Formatted here rather than by `git commit --trailer`: git runs configured
 * `trailer.<key>.cmd` commands for the trailers it adds, and a checkout's configuration is not ours to trust.
 */
export function formatCommitMessage(message: string, trailers: StepTrailers): string {
  const kept = paragraphs(message)
    .map((p) => p.filter((line) => !OUR_TRAILER_LINE.test(line)))
    .filter((p) => p.length > 0);
  if (kept.length === 0) kept.push([`Planwright step ${trailers.stepId}`]);
  const ours = [
    formatTrailer(RUN_TRAILER, trailers.runId),
    formatTrailer(TASK_TRAILER, trailers.taskId),
    formatTrailer(STEP_TRAILER, trailers.stepId),
  ];
  // The first paragraph is the subject, never a trailer block ("fix: typo" is a subject), as git reads it too.
  const last = kept[kept.length - 1]!;
  if (kept.length > 1 && isTrailerBlock(last)) last.push(...ours);
  else kept.push(ours);
  return `${kept.map((p) => p.join('\n')).join('\n\n')}\n`;
}

/** The message of a merge Planwright makes for a task: what was merged, and the run and task trailers. */
export function formatMergeMessage(branch: string, runId: string, taskId: string): string {
  return `Merge ${branch}\n\n${formatTrailer(RUN_TRAILER, runId)}\n${formatTrailer(TASK_TRAILER, taskId)}\n`;
}

/** The trailers of a message: the lines of its last paragraph when that paragraph is a trailer block (not the subject). */
export function parseTrailers(message: string): { key: string; value: string }[] {
  const all = paragraphs(message);
  const last = all[all.length - 1];
  if (all.length < 2 || !last || !isTrailerBlock(last)) return [];
  const out: { key: string; value: string }[] = [];
  for (const line of last) {
    const match = TRAILER_LINE.exec(line);
    if (match) out.push({ key: match[1]!, value: match[2]!.trim() });
    else if (out.length) out[out.length - 1]!.value += ` ${line.trim()}`;
  }
  return out;
}

/** The step a commit records, when its message carries all three Planwright trailers (the last of each counts). */
export function readStepTrailers(message: string): StepTrailers | undefined {
  const found = new Map<string, string>();
  for (const { key, value } of parseTrailers(message)) found.set(key.toLowerCase(), value);
  const runId = decodeTrailerValue(found.get(RUN_TRAILER.toLowerCase()) ?? '');
  const taskId = decodeTrailerValue(found.get(TASK_TRAILER.toLowerCase()) ?? '');
  const stepId = decodeTrailerValue(found.get(STEP_TRAILER.toLowerCase()) ?? '');
  if (!runId || !taskId || !stepId) return undefined;
  return { runId, taskId, stepId };
}

/** One trailer line, `<key>: <value>`, its value encoded as formatCommitMessage encodes it. */
export function formatTrailer(key: string, value: string): string {
  return `${key}: ${encodeTrailerValue(value)}`;
}

/** The exact trailer line a step's commit carries: what `git log --grep` looks for before the message is parsed. */
export function stepTrailerLine(stepId: string): string {
  return formatTrailer(STEP_TRAILER, stepId);
}
