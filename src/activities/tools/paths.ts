import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkPath } from '../../domain/workspace-policy';
import type { ToolContext } from './context';

/**
 * Where a tool's path really leads. checkPath judges the words of a path; a symbolic link in the checkout (the
 * repository's own, or one a command made) can still send them elsewhere: to /etc/passwd, to `..`, into `.git`, or
 * past the allowed write paths. So every path is resolved on disk, and the place it reaches must pass the same
 * checks: inside the checkout's real root, not in its git directory, and writable by the policy for writes.
 *
 * Tools and commands of one task run one after another, so nothing moves a link between this check and the file
 * operation; the open calls add O_NOFOLLOW anyway, for the last path component.
 */

export type ResolvedPath =
  | {
      ok: true;
      /** The real absolute path, with every symbolic link resolved (for writes: of its nearest existing parent). */
      real: string;
      /** The same, relative to the checkout's real root ("." for the root): what git commands take. */
      relative: string;
      /** Directories to create, outermost first, before a write (absolute, under an existing real directory). */
      missingDirs: string[];
    }
  | { ok: false; error: string };

const refused = (error: string): ResolvedPath => ({ ok: false, error });

/** Resolves a path a tool reads (list, read, search): it must exist and stay inside the checkout. */
export async function resolveForRead(ctx: ToolContext, asked: string): Promise<ResolvedPath> {
  const check = checkPath(ctx.policy, asked, 'read');
  if (!check.ok) return refused(check.reason);
  const root = await realpath(ctx.dir);
  let real: string;
  try {
    real = await realpath(path.join(root, check.normalized));
  } catch (err) {
    return refused(fsProblem(err, check.normalized));
  }
  return confine(ctx, root, real, check.normalized, 'read', []);
}

/**
 * Resolves a path a tool writes. The file itself must not be a symbolic link (writing through one would change its
 * target, wherever that is); its nearest existing parent is resolved, and the place the write lands must be inside
 * the checkout, outside its git directory and within the policy's allowPaths.
 */
export async function resolveForWrite(ctx: ToolContext, asked: string): Promise<ResolvedPath> {
  const check = checkPath(ctx.policy, asked, 'write');
  if (!check.ok) return refused(check.reason);
  const root = await realpath(ctx.dir);
  const segments = check.normalized.split('/');
  const entry = await lstatIfAny(path.join(root, ...segments));
  if (entry?.isSymbolicLink()) {
    return refused(
      `${check.normalized} is a symbolic link: writing through it is not allowed; write the file it points to by its own path`,
    );
  }
  if (entry?.isDirectory()) return refused(`${check.normalized} is a directory: give the path of a file in it`);
  if (entry && !entry.isFile()) return refused(`${check.normalized} is not a regular file`);
  // The nearest parent that exists; a link to nothing counts as existing, so it is resolved (and refused) below.
  let depth = segments.length - 1;
  while (depth > 0 && !(await lstatIfAny(path.join(root, ...segments.slice(0, depth))))) depth--;
  const parentAsked = segments.slice(0, depth).join('/') || '.';
  let parentReal: string;
  try {
    parentReal = await realpath(path.join(root, parentAsked));
  } catch (err) {
    return refused(
      isErrno(err, 'ENOENT') ? `${parentAsked} is a symbolic link to nothing` : fsProblem(err, parentAsked),
    );
  }
  if (!(await stat(parentReal)).isDirectory()) {
    return refused(`${parentAsked} is a file, not a directory: ${check.normalized} cannot be created under it`);
  }
  const below = segments.slice(depth);
  const real = path.join(parentReal, ...below);
  const missingDirs = below.slice(0, -1).map((_, i) => path.join(parentReal, ...below.slice(0, i + 1)));
  return confine(ctx, root, real, check.normalized, 'write', missingDirs);
}

async function confine(
  ctx: ToolContext,
  root: string,
  real: string,
  asked: string,
  access: 'read' | 'write',
  missingDirs: string[],
): Promise<ResolvedPath> {
  const relative = path.relative(root, real) || '.';
  if (!isInside(root, real)) {
    return refused(`${asked} leads through a symbolic link outside the workspace: tools stay inside it`);
  }
  const gitDir = await realpath(ctx.gitDir).catch(() => path.resolve(ctx.gitDir));
  if (isInside(gitDir, real)) return refused(`${asked} leads through a symbolic link into .git, which is off limits`);
  if (relative !== asked) {
    // The link's target must pass the checks the words passed: not .git, and for writes within allowPaths.
    const again = checkPath(ctx.policy, relative, access);
    if (!again.ok) return refused(`${asked} leads through a symbolic link to ${relative}, and ${again.reason}`);
  }
  return { ok: true, real, relative, missingDirs };
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** lstat, or undefined when nothing is there (ENOENT, or a parent that is a file). */
export async function lstatIfAny(file: string) {
  return lstat(file).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  });
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * What a file system error on a tool's path means, told to the model; errors that are no fault of the path (disk
 * full, I/O) are rethrown for the activity to report as the host's.
 */
export function fsProblem(err: unknown, asked: string): string {
  if (isErrno(err, 'ENOENT')) return `${asked} does not exist: list_files shows the workspace's files`;
  if (isErrno(err, 'ENOTDIR')) return `a parent of ${asked} is a file, not a directory`;
  if (isErrno(err, 'ELOOP')) return `${asked} is a symbolic link that cannot be followed (a loop)`;
  if (isErrno(err, 'ENAMETOOLONG')) return `${asked} is too long a path for the file system`;
  if (isErrno(err, 'EISDIR')) return `${asked} is a directory: give the path of a file`;
  if (isErrno(err, 'EACCES') || isErrno(err, 'EPERM')) return `${asked} cannot be accessed (permission denied)`;
  throw err;
}
