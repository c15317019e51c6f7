import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { z } from 'zod';
import { MAX_LIST_ENTRIES, MAX_READ_LINES } from '../../domain/limits';
import type { ListFilesInput, ReadFileInput, ToolResult } from '../../domain/tool-schemas';
import { git } from '../workspace/git';
import { done, refuse, type ToolContext } from './context';
import { fsProblem, resolveForRead } from './paths';

/** Largest file read_file loads; past it the model is pointed to search, which streams. */
export const MAX_READ_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Opens without following a last-component link (the path was resolved already; this only guards a race) and without
 * blocking on a FIFO, which a regular open would wait on forever.
 */
export const SAFE_OPEN_FLAGS = constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The files git sees under a directory: tracked ones still on disk and untracked ones it does not ignore. */
export async function listFiles(ctx: ToolContext, input: z.infer<typeof ListFilesInput>): Promise<ToolResult> {
  const resolved = await resolveForRead(ctx, input.path ?? '.');
  if (!resolved.ok) return refuse(resolved.error);
  const pathspec = resolved.relative === '.' ? [] : ['--', resolved.relative];
  const lsFiles = async (...which: string[]) => {
    const { stdout } = await git(['--literal-pathspecs', 'ls-files', '-z', ...which, ...pathspec], {
      gitDir: ctx.gitDir,
      workTree: ctx.dir,
      signal: ctx.signal,
    });
    return stdout.split('\0').filter(Boolean);
  };
  // --cached still names a tracked file a command deleted; the list is of what is there to read.
  const deleted = new Set(await lsFiles('--deleted'));
  const files = (await lsFiles('--cached', '--others', '--exclude-standard'))
    .filter((f) => !deleted.has(f))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const where = resolved.relative === '.' ? 'the workspace' : resolved.relative;
  if (files.length === 0) return done(ctx, `no files in ${where} (files git ignores are not listed)`);
  if (files.length <= MAX_LIST_ENTRIES) return done(ctx, files.join('\n'));
  const note = `[${files.length} files in ${where}; the first ${MAX_LIST_ENTRIES} are listed: list a subdirectory to see the rest]`;
  return done(ctx, `${files.slice(0, MAX_LIST_ENTRIES).join('\n')}\n${note}`);
}

/** A text file's lines, numbered, at most MAX_READ_LINES per call. */
export async function readFile(ctx: ToolContext, input: z.infer<typeof ReadFileInput>): Promise<ToolResult> {
  const resolved = await resolveForRead(ctx, input.path);
  if (!resolved.ok) return refuse(resolved.error);
  const name = resolved.relative;
  const start = input.startLine ?? 1;
  if (input.endLine !== null && input.endLine < start) {
    return refuse(`endLine ${input.endLine} is before startLine ${start}: give endLine >= startLine, or null`);
  }
  const loaded = await loadText(resolved.real, name);
  if (!loaded.ok) return refuse(loaded.error);
  const lines = loaded.text.split('\n');
  if (loaded.text.endsWith('\n')) lines.pop();
  if (lines.length === 0) return done(ctx, `(${name} is empty)`);
  if (start > lines.length)
    return refuse(`${name} has ${lines.length} lines: give a startLine from 1 to ${lines.length}`);
  const wanted = Math.min(input.endLine ?? lines.length, lines.length);
  const end = Math.min(wanted, start + MAX_READ_LINES - 1);
  const numbered = lines.slice(start - 1, end).map((line, i) => `${start + i}\t${line}`);
  if (end < lines.length) {
    const why = end < wanted ? `at most ${MAX_READ_LINES} lines per call` : 'as asked';
    numbered.push(`[lines ${start}-${end} of ${lines.length} (${why}): read on with startLine ${end + 1}]`);
  }
  return done(ctx, numbered.join('\n'));
}

export type LoadedText = { ok: true; text: string } | { ok: false; error: string };

/** A regular text file's content; directories, special files, huge and binary files are refused with a way on. */
export async function loadText(real: string, name: string): Promise<LoadedText> {
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | SAFE_OPEN_FLAGS);
  } catch (err) {
    return { ok: false, error: fsProblem(err, name) };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { ok: false, error: `${name} is a directory: use list_files to see its files` };
    if (!info.isFile()) return { ok: false, error: `${name} is not a regular file` };
    if (info.size > MAX_READ_FILE_BYTES) {
      const mib = (info.size / 1024 / 1024).toFixed(0);
      return { ok: false, error: `${name} is too large to read (${mib} MiB): use search to find the lines you need` };
    }
    const bytes = await handle.readFile();
    if (bytes.includes(0))
      return { ok: false, error: `${name} is a binary file: only text files can be read or edited` };
    return { ok: true, text: bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}
