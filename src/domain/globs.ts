import { MAX_GLOB_CHARS, MAX_GLOB_EXPANSIONS } from './limits';

/**
 * Globs of workspace paths: parsed, matched and compared here, without Node APIs (task workflows import this).
 *
 * The language is small on purpose, so that "this glob is within that one" can be decided soundly. Globs are
 * relative to the workspace root and anchored there (`*.md` is the root's Markdown files only); `/` separates
 * segments; `*` is any run of characters within a segment, `?` one character, `[abc]`, `[a-z]`, `[!a-z]` or `[^a-z]`
 * one character of a class; `**` as a whole segment is any number of segments, none included; `{a,b}` is either
 * alternative and may nest and hold `/`. Wildcards match names starting with "." too (`.github/**`); `.git` is kept
 * out by the path rules, not by globs. Matching is case-sensitive, as git paths are. Everything else is refused at
 * parse time: negation (`!x`), extglobs and groups (`+(a|b)`), POSIX classes, backslash escapes (match a special
 * character with a class: `[*]`), `.` and `..` segments, empty segments and absolute globs.
 */

type Atom =
  | { kind: 'char'; char: string }
  | { kind: 'one' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };
type Segment = Atom[] | 'globstar';
type Pattern = Segment[];

/** A parsed glob: the brace-free patterns it stands for. */
export interface Glob {
  source: string;
  patterns: Pattern[];
}

export type GlobParse = { ok: true; glob: Glob } | { ok: false; reason: string };

/** Parses a glob, or says why it is not one (the caller names the glob and its field). */
export function parseGlob(source: string): GlobParse {
  const fail = (reason: string): GlobParse => ({ ok: false, reason });
  if (!source) return fail('it is empty');
  if (source.length > MAX_GLOB_CHARS) return fail(`it is longer than ${MAX_GLOB_CHARS} characters`);
  if (/[\u0000-\u001f\u007f]/.test(source)) return fail('it contains a control character');
  if (source.includes('\\')) return fail('backslashes are not supported: use "/" between segments, [*] for a "*"');
  if (source.startsWith('/')) return fail('it is absolute: globs are relative to the workspace root');
  if (source.startsWith('!')) return fail('negation is not supported: list the paths to allow instead');
  const texts = expandBraces(source);
  if (typeof texts === 'string') return fail(texts);
  const patterns: Pattern[] = [];
  for (const text of texts) {
    const pattern = parsePattern(text);
    if (typeof pattern === 'string') return fail(pattern);
    patterns.push(pattern);
  }
  return { ok: true, glob: { source, patterns } };
}

/** True when `path` (normalized: relative, "/"-separated, without empty, "." or ".." segments) matches the glob. */
export function matchesGlob(glob: Glob, path: string): boolean {
  const literal: Pattern = path.split('/').map((s) => Array.from(s, (char): Atom => ({ kind: 'char', char })));
  return glob.patterns.some((pattern) => covers(pattern, literal));
}

/**
 * True when every path `inner` matches is matched by one of `outers`. Conservative: each of inner's patterns must be
 * covered by one outer pattern, symbol by symbol (a `*` only by a `*`, a `**` only by a `**`, a class only by a
 * wider class, `?` or `*`), so it can answer false for a glob that is in fact within (`[ab]` in `{a,b}`), never true
 * for one that is not.
 */
export function isGlobWithin(inner: Glob, outers: readonly Glob[]): boolean {
  return inner.patterns.every((p) => outers.some((outer) => outer.patterns.some((q) => covers(q, p))));
}

/** Expands braces into brace-free texts, checking on the way what the scanner sees outside classes. */
function expandBraces(source: string): string[] | string {
  const done: string[] = [];
  const todo = [source];
  while (todo.length > 0) {
    const text = todo.shift()!;
    const group = firstBraceGroup(text);
    if (typeof group === 'string') return group;
    if (!group) {
      done.push(text);
      continue;
    }
    const bounds = [group.open, ...group.commas, group.close];
    for (let k = 0; k + 1 < bounds.length; k++) {
      todo.push(text.slice(0, group.open) + text.slice(bounds[k]! + 1, bounds[k + 1]) + text.slice(group.close + 1));
    }
    if (done.length + todo.length > MAX_GLOB_EXPANSIONS)
      return `its braces expand to over ${MAX_GLOB_EXPANSIONS} globs`;
  }
  return done;
}

/** The first top-level `{…}` and its top-level commas; undefined when there is none; a string when malformed. */
function firstBraceGroup(text: string): { open: number; close: number; commas: number[] } | undefined | string {
  let open = -1;
  let depth = 0;
  const commas: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '[') {
      const end = text.indexOf(']', i + 1);
      if (end < 0) return '"[" has no closing "]"';
      if (text.slice(i, end).includes('/')) return 'a class [...] cannot hold "/"';
      i = end;
    } else if (c === '(' || c === ')' || c === '|') {
      return `"${c}" is not supported: write alternatives as {a,b}, the character itself as [${c}]`;
    } else if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === '}') {
      if (depth === 0) return '"}" has no opening "{"';
      if (--depth === 0) return { open, close: i, commas };
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return depth > 0 ? '"{" has no closing "}"' : undefined;
}

function parsePattern(text: string): Pattern | string {
  const segments: Segment[] = [];
  for (const part of text.split('/')) {
    if (part === '') return 'it has an empty segment ("//", or "/" at either end)';
    if (part === '.' || part === '..') return `"${part}" segments are not supported`;
    if (part === '**') {
      if (segments.at(-1) !== 'globstar') segments.push('globstar');
    } else if (part.includes('**')) {
      return '"**" must be a whole segment, as in src/**/*.ts';
    } else {
      const atoms = parseSegment(part);
      if (typeof atoms === 'string') return atoms;
      segments.push(atoms);
    }
  }
  return segments;
}

function parseSegment(part: string): Atom[] | string {
  const chars = Array.from(part);
  const atoms: Atom[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') atoms.push({ kind: 'star' });
    else if (c === '?') atoms.push({ kind: 'one' });
    else if (c !== '[') atoms.push({ kind: 'char', char: c });
    else {
      let j = i + 1;
      const negated = chars[j] === '!' || chars[j] === '^';
      if (negated) j++;
      const ranges: Array<[number, number]> = [];
      for (; j < chars.length && chars[j] !== ']'; j++) {
        if (chars[j] === '[' && chars[j + 1] === ':') return 'POSIX classes such as [[:alpha:]] are not supported';
        const lo = chars[j]!.codePointAt(0)!;
        const hiChar = chars[j + 1] === '-' && chars[j + 2] !== ']' ? chars[j + 2] : undefined;
        const hi = hiChar === undefined ? lo : hiChar.codePointAt(0)!;
        if (hi < lo) return `the range "${chars[j]}-${hiChar}" is reversed`;
        ranges.push([lo, hi]);
        if (hiChar !== undefined) j += 2;
      }
      if (ranges.length === 0) return 'a class [...] must hold at least one character';
      atoms.push({ kind: 'class', negated, ranges });
      i = j;
    }
  }
  return atoms;
}

/** Whether `outer` matches everything `inner` does, with `inner`'s symbols read as the sets of strings they match. */
function covers(outer: Pattern, inner: Pattern): boolean {
  return lockstep(
    outer,
    inner,
    (o) => o === 'globstar',
    (n) => n === 'globstar',
    (o, n) => {
      return o !== 'globstar' && n !== 'globstar' && lockstep(o, n, isStar, isStar, atomCovers);
    },
  );
}

const isStar = (a: Atom) => a.kind === 'star';

/** Walks two sequences; a wildcard of `outer` absorbs any run of `inner`, a wildcard of `inner` needs one of `outer`. */
function lockstep<T>(
  outer: readonly T[],
  inner: readonly T[],
  outerWild: (t: T) => boolean,
  innerWild: (t: T) => boolean,
  step: (o: T, n: T) => boolean,
): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (inner.length + 1) + j;
    let known = memo.get(key);
    if (known !== undefined) return known;
    const o = outer[i];
    const n = inner[j];
    if (o === undefined) known = n === undefined;
    else if (outerWild(o)) known = go(i + 1, j) || (n !== undefined && go(i, j + 1));
    else known = n !== undefined && !innerWild(n) && step(o, n) && go(i + 1, j + 1);
    memo.set(key, known);
    return known;
  };
  return go(0, 0);
}

/** One outer symbol that is not `*` against one inner symbol that is not `*`: both stand for one character. */
function atomCovers(o: Atom, n: Atom): boolean {
  if (o.kind === 'one') return true;
  if (o.kind === 'char') return n.kind === 'char' && n.char === o.char;
  if (o.kind !== 'class') return false;
  if (n.kind === 'char') return inClass(o, n.char.codePointAt(0)!);
  if (n.kind !== 'class') return false;
  const within = (r: [number, number], set: Array<[number, number]>) =>
    set.some(([lo, hi]) => r[0] >= lo && r[1] <= hi);
  const apart = (r: [number, number], set: Array<[number, number]>) => set.every(([lo, hi]) => r[1] < lo || r[0] > hi);
  if (!n.negated) return n.ranges.every((r) => (o.negated ? apart(r, o.ranges) : within(r, o.ranges)));
  return o.negated && o.ranges.every((r) => within(r, n.ranges));
}

function inClass(c: { negated: boolean; ranges: Array<[number, number]> }, code: number): boolean {
  return c.ranges.some(([lo, hi]) => code >= lo && code <= hi) !== c.negated;
}
