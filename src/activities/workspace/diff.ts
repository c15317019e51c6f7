import type { DiffInput, DiffSummary, DiffSummaryInput, DiffText } from '../../domain/workspace';
import { guardCheckout } from './config-guard';
import { git } from './git';
import { inCheckout } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/** Default bound of diff text. */
export const DEFAULT_DIFF_BYTES = 256 * 1024;
/** Default bound of the files a summary lists. */
export const DEFAULT_SUMMARY_FILES = 1000;

// Never a configured external diff or textconv program: diffs are read as git computes them from the objects.
const PLAIN_DIFF = ['--no-color', '--no-ext-diff', '--no-textconv', '-M'];

function range(input: { from: string; to?: string }): string[] {
  return ['--end-of-options', input.from, input.to ?? 'HEAD', '--'];
}

/** The unified diff between two commits of the checkout, cut at a line end after `maxBytes`. */
export async function diff(settings: WorkspaceSettings, input: DiffInput): Promise<DiffText> {
  await guardCheckout(input.checkout);
  const maxBytes = input.maxBytes ?? DEFAULT_DIFF_BYTES;
  const out = await git(['diff', ...PLAIN_DIFF, ...range(input)], {
    ...inCheckout(settings, input.checkout),
    maxOutputBytes: maxBytes + 1,
  });
  if (!out.truncated) return { text: out.stdout, truncated: false };
  // Cut at the last whole line within the bound (the bound is in bytes; the text was decoded from them).
  const bytes = Buffer.from(out.stdout, 'utf8').subarray(0, maxBytes);
  const end = bytes.lastIndexOf(0x0a);
  return { text: bytes.subarray(0, end + 1).toString('utf8'), truncated: true };
}

/** Files changed between two commits of the checkout with their line counts, at most `maxFiles` listed. */
export async function diffSummary(settings: WorkspaceSettings, input: DiffSummaryInput): Promise<DiffSummary> {
  await guardCheckout(input.checkout);
  const at = inCheckout(settings, input.checkout);
  const maxFiles = input.maxFiles ?? DEFAULT_SUMMARY_FILES;
  // Totals from --shortstat (whatever the number of files), the list from --numstat, stopped once it is long enough.
  const short = await git(['diff', '--shortstat', ...PLAIN_DIFF, ...range(input)], at);
  const count = (word: RegExp) => Number(word.exec(short.stdout)?.[1] ?? 0);
  const totalFiles = count(/(\d+) files? changed/);
  const numstat = await git(['diff', '--numstat', '-z', ...PLAIN_DIFF, ...range(input)], {
    ...at,
    maxOutputBytes: maxFiles * 2048 + 65_536,
  });
  const files: DiffSummary['files'] = [];
  const fields = numstat.stdout.split('\0');
  if (numstat.truncated) fields.pop(); // the record cut at the bound
  for (let i = 0; i < fields.length && files.length < maxFiles;) {
    const head = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(fields[i]!);
    if (!head) break;
    const lines = (v: string) => (v === '-' ? null : Number(v));
    if (head[3] !== '') {
      files.push({ path: head[3]!, added: lines(head[1]!), deleted: lines(head[2]!) });
      i += 1;
    } else {
      // A rename or copy: "<added>\t<deleted>\t\0<old path>\0<new path>\0".
      if (i + 2 >= fields.length) break;
      files.push({ path: fields[i + 2]!, oldPath: fields[i + 1]!, added: lines(head[1]!), deleted: lines(head[2]!) });
      i += 3;
    }
  }
  return {
    files,
    totalFiles,
    added: count(/(\d+) insertions?\(\+\)/),
    deleted: count(/(\d+) deletions?\(-\)/),
    truncated: files.length < totalFiles,
  };
}
