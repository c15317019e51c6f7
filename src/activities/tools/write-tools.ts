import { constants } from 'node:fs';
import { chown, mkdir, open } from 'node:fs/promises';
import type { z } from 'zod';
import type { EditFileInput, ToolResult, WriteFileInput } from '../../domain/tool-schemas';
import type { HostUser } from '../sandbox';
import { done, refuse, type ToolContext } from './context';
import { newFileOwner } from './ownership';
import { fsProblem, isErrno, lstatIfAny, resolveForWrite } from './paths';
import { loadText, SAFE_OPEN_FLAGS } from './read-tools';

/** Creates a file or replaces its content, creating missing directories. */
export async function writeFile(ctx: ToolContext, input: z.infer<typeof WriteFileInput>): Promise<ToolResult> {
  const resolved = await resolveForWrite(ctx, input.path);
  if (!resolved.ok) return refuse(resolved.error);
  const name = resolved.relative;
  const owner = await newFileOwner(ctx.dir);
  for (const dir of resolved.missingDirs) {
    try {
      await mkdir(dir);
    } catch (err) {
      // Made meanwhile (by nothing of this task, which runs one step at a time): use it, but give nothing away.
      if (isErrno(err, 'EEXIST')) continue;
      return refuse(fsProblem(err, name));
    }
    if (owner) await chown(dir, owner.uid, owner.gid);
  }
  const written = await store(resolved.real, name, input.content, owner);
  if (!written.ok) return refuse(written.error);
  return done(ctx, `${written.created ? 'created' : 'wrote'} ${name} (${linesOf(input.content)})`);
}

/** Replaces the one occurrence of oldText in a file with newText. */
export async function editFile(ctx: ToolContext, input: z.infer<typeof EditFileInput>): Promise<ToolResult> {
  if (input.oldText === '') {
    return refuse(
      'oldText is empty: give the exact text to replace (to add text, include a line next to where it goes)',
    );
  }
  if (input.oldText === input.newText) return refuse('newText is the same as oldText: nothing to change');
  const resolved = await resolveForWrite(ctx, input.path);
  if (!resolved.ok) return refuse(resolved.error);
  const name = resolved.relative;
  if (!(await lstatIfAny(resolved.real))) return refuse(`${name} does not exist: create it with write_file`);
  const loaded = await loadText(resolved.real, name);
  if (!loaded.ok) return refuse(loaded.error);
  const text = loaded.text;
  const at = text.indexOf(input.oldText);
  if (at < 0) return refuse(notFound(name, text, input.oldText));
  const count = occurrences(text, input.oldText);
  if (count > 1) {
    return refuse(
      `oldText occurs ${count} times in ${name}: include more of the surrounding lines so that it occurs exactly once`,
    );
  }
  const edited = text.slice(0, at) + input.newText + text.slice(at + input.oldText.length);
  const written = await store(resolved.real, name, edited);
  if (!written.ok) return refuse(written.error);
  const line = countLines(text.slice(0, at + 1));
  return done(ctx, `edited ${name} at line ${line}: ${linesOf(input.oldText)} replaced by ${linesOf(input.newText)}`);
}

type Stored = { ok: true; created: boolean } | { ok: false; error: string };

/**
 * Writes `content` into the file at `real` in place (keeping its mode, owner and inode), creating it when missing
 * and giving a new file to `owner`. Never through a link: O_NOFOLLOW refuses one at the last component.
 */
async function store(real: string, name: string, content: string, owner?: HostUser): Promise<Stored> {
  const flags = constants.O_WRONLY | SAFE_OPEN_FLAGS;
  let created = true;
  let handle;
  try {
    handle = await open(real, flags | constants.O_CREAT | constants.O_EXCL, 0o644).catch((err: unknown) => {
      if (!isErrno(err, 'EEXIST')) throw err;
      created = false;
      return open(real, flags);
    });
  } catch (err) {
    return { ok: false, error: fsProblem(err, name) };
  }
  try {
    if (!(await handle.stat()).isFile()) return { ok: false, error: `${name} is not a regular file` };
    if (created && owner) await handle.chown(owner.uid, owner.gid);
    await handle.truncate(0);
    await handle.writeFile(content, 'utf8');
    return { ok: true, created };
  } finally {
    await handle.close();
  }
}

/** Occurrences of `needle`, overlapping ones included: any second match makes the edit ambiguous. */
function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) count++;
  return count;
}

const linesOf = (text: string) => {
  const n = countLines(text);
  return n === 1 ? '1 line' : `${n} lines`;
};

function countLines(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Why oldText was not found, with the likely cause when there is one. */
function notFound(name: string, text: string, oldText: string): string {
  const base = `oldText does not occur in ${name}`;
  if (/^\d+\t/m.test(oldText)) {
    return `${base}: leave out the line numbers and tabs that read_file puts before each line`;
  }
  if (text.includes('\r\n') && !oldText.includes('\r\n')) {
    return `${base}: the file has CRLF line ends; replace a part within one line, or rewrite the file with write_file`;
  }
  return `${base}: read the lines again with read_file and copy the text exactly, whitespace included`;
}
