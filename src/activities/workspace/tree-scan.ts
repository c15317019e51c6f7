import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isGitName } from '../../domain/workspace-policy';

/**
 * One walk of a checkout's working tree (never its own `.git`), before any git of the worker reads it.
 *
 * An agent's command can make a repository inside the checkout: `git init sub` with a filter in `sub/.git/config` and
 * `* filter=…` in `sub/.gitattributes`. The worker's `git add` would record it as a gitlink, and the next `git status`
 * would step into it and run that filter on the host. So every `.git` below the root (a directory, a file pointing
 * elsewhere, a link, any spelling git or another file system reads as `.git`) is removed before git runs. The same
 * walk counts the tree's bytes, for the checkout's size limit.
 */

export interface TreeScan {
  /** Paths of the embedded repositories removed, relative to the checkout, "/"-separated. */
  removedRepositories: string[];
  /** Bytes of the regular files in the working tree (links and directories not counted). */
  bytes: number;
}

/**
 * Removes every embedded repository below `dir` and measures what is left. Links are never followed: a link named
 * `.git` is removed itself, and a link to a directory is not walked.
 */
export async function scanWorkTree(dir: string): Promise<TreeScan> {
  const scan: TreeScan = { removedRepositories: [], bytes: 0 };
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true }).catch(() => []);
    const sizes: Promise<number>[] = [];
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (isGitName(entry.name)) {
        // The checkout's own git directory stays; every other one goes, whatever it is.
        if (child === '.git') continue;
        await rm(path.join(dir, child), { recursive: true, force: true });
        scan.removedRepositories.push(child);
      } else if (entry.isDirectory()) {
        pending.push(child);
      } else if (entry.isFile()) {
        // A directory's files are measured together: one lstat after another is most of the walk's time.
        sizes.push(
          lstat(path.join(dir, child)).then(
            (info) => info.size,
            () => 0,
          ),
        );
      }
    }
    for (const size of await Promise.all(sizes)) scan.bytes += size;
  }
  return scan;
}
