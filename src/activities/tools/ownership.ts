import { stat } from 'node:fs/promises';
import type { HostUser } from '../sandbox';

/**
 * Whom files a tool creates must belong to. A worker running as root runs commands as the checkout's owner (never as
 * root, see src/activities/sandbox/checkout.ts), so a file or directory it creates as root would be one that the
 * task's own commands cannot change or delete. Returns undefined when the worker is not root: it creates files as the
 * user commands run as already.
 */
export async function newFileOwner(dir: string): Promise<HostUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { uid, gid } = await stat(dir);
  return uid === 0 ? undefined : { uid, gid };
}
