import type { z } from 'zod';
import { MAX_SEARCH_MATCHES } from '../../domain/limits';
import type { SearchInput, ToolResult } from '../../domain/tool-schemas';
import { GitFailedError } from '../workspace/errors';
import { git, lastLine } from '../workspace/git';
import { done, refuse, type ToolContext } from './context';
import { resolveForRead } from './paths';

/** Longest matching line shown; minified files would otherwise spend the whole output on one match. */
const MAX_MATCH_LINE_CHARS = 400;
/** Bytes of git grep's output read at most: far more than MAX_SEARCH_MATCHES lines of any useful length. */
const MAX_GREP_BYTES = 4 * 1024 * 1024;

/**
 * Searches the files git sees (tracked and untracked, not ignored, text only) with git grep: fixed text, or a POSIX
 * extended regular expression. Prints `path:line:text`, at most MAX_SEARCH_MATCHES lines.
 */
export async function search(ctx: ToolContext, input: z.infer<typeof SearchInput>): Promise<ToolResult> {
  if (input.pattern === '') return refuse('the pattern is empty: give the text to find');
  const resolved = await resolveForRead(ctx, input.path ?? '.');
  if (!resolved.ok) return refuse(resolved.error);
  const pathspec = resolved.relative === '.' ? [] : [resolved.relative];
  const args = ['--literal-pathspecs', 'grep', '-n', '-I', '--untracked', input.regex ? '-E' : '-F'];
  let found;
  try {
    found = await git([...args, '-e', input.pattern, '--', ...pathspec], {
      gitDir: ctx.gitDir,
      workTree: ctx.dir,
      okExitCodes: [0, 1],
      maxOutputBytes: MAX_GREP_BYTES,
      timeoutMs: ctx.policy.commandTimeoutSeconds * 1000,
      signal: ctx.signal,
    });
  } catch (err) {
    // git grep exits 128 on a pattern its regex engine rejects; with fixed text there is nothing the model could fix.
    if (input.regex && err instanceof GitFailedError && err.exitCode === 128) {
      return refuse(
        `the pattern is not a valid extended regular expression (${lastLine(err.stderr)}): fix it, or set regex to false to find the text as written`,
      );
    }
    throw err;
  }
  const where = resolved.relative === '.' ? '' : ` in ${resolved.relative}`;
  if (found.code === 1) return done(ctx, `no matches for ${JSON.stringify(input.pattern)}${where}`);
  const lines = found.stdout.split('\n');
  // A cut stream ends inside a line; an uncut one ends with a newline.
  lines.pop();
  const shown = lines
    .slice(0, MAX_SEARCH_MATCHES)
    .map((l) => (l.length > MAX_MATCH_LINE_CHARS ? `${l.slice(0, MAX_MATCH_LINE_CHARS)}… [line cut]` : l));
  if (lines.length > MAX_SEARCH_MATCHES || found.truncated) {
    const count = found.truncated ? `more than ${lines.length}` : String(lines.length);
    shown.push(
      `[${count} matching lines; the first ${shown.length} are shown: narrow the pattern or search a directory]`,
    );
  }
  return done(ctx, shown.join('\n'));
}
