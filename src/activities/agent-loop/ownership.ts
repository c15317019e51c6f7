import { lchown, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CHECKOUT_OWNER } from '../sandbox';

/**
 * Gives a checkout's working tree (not its .git) to the unprivileged owner commands run as, when the worker runs as
 * root: the sandbox never runs commands as host root (see src/activities/sandbox/checkout.ts), and a command must be
 * able to change the files git wrote. The worker's own git keeps working: it is root and names the git dir itself.
 */
export async function handToCommandOwner(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = DEFAULT_CHECKOUT_OWNER;
  await lchown(dir, uid, gid);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (relative === '.git' || relative.startsWith(`.git${path.sep}`)) continue;
    // lchown: a symbolic link in the repository (to /etc/passwd, say) is changed itself, never what it points to.
    await lchown(full, uid, gid);
  }
}
