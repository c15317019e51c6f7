import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { SandboxError } from './errors';

/** A host user and group; the sandbox's processes carry these ids outside their user namespace. */
export interface HostUser {
  uid: number;
  gid: number;
}

/**
 * Who should own checkouts when the worker runs as root (`nobody:nogroup`): an identity that owns nothing else on the
 * host. The start-up probe uses it; the workspace code may create checkouts for it, or for any other unprivileged user.
 */
export const DEFAULT_CHECKOUT_OWNER: HostUser = { uid: 65534, gid: 65534 };

export interface CheckoutInfo {
  /** host path of the checkout's .git */
  gitEntry: string;
  /** the user bwrap (or the unsandboxed command) is started as; absent: the worker's own user */
  runAs?: HostUser;
}

/**
 * Checks the checkout before anything runs and decides whose rights the command gets.
 *
 * A worker running as root starts the command as the checkout's owner, and refuses a checkout owned by root. Inside the
 * user namespace the command is uid 1000 either way, but outside it carries the uid bwrap was started with: as host
 * root it would own every root-owned file bound into the sandbox (so it could read a root-only file there), and the
 * kernel never applies RLIMIT_NPROC to root, so a fork bomb would go unchecked (measured, see test/integration).
 */
export async function inspectCheckout(checkout: string): Promise<CheckoutInfo> {
  if (!path.isAbsolute(checkout)) throw new SandboxError('bad-checkout', `checkout must be absolute: ${checkout}`);
  const dir = await stat(checkout).catch(() => undefined);
  if (!dir?.isDirectory()) throw new SandboxError('bad-checkout', `checkout ${checkout} is not a directory`);
  const gitEntry = path.join(checkout, '.git');
  // Without a .git to cover read-only, a command could create one whose config a later git run on the host obeys.
  if (!(await lstat(gitEntry).catch(() => undefined))) {
    throw new SandboxError('bad-checkout', `checkout ${checkout} has no .git: commands run only in git checkouts`);
  }
  if (process.getuid?.() !== 0) return { gitEntry };
  if (dir.uid === 0) {
    const { uid, gid } = DEFAULT_CHECKOUT_OWNER;
    throw new SandboxError(
      'bad-checkout',
      `checkout ${checkout} is owned by root and commands never run as host root: chown -R ${uid}:${gid} it ` +
        '(or to another unprivileged user) before running commands in it',
    );
  }
  return { gitEntry, runAs: { uid: dir.uid, gid: dir.gid } };
}
