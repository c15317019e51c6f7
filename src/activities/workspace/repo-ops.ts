import type { Checkout } from '../../domain/workspace';
import { git, type GitRunOptions } from './git';
import type { GitIdentity, WorkspaceSettings } from './settings';

/** Small helpers shared by the operations on a checkout. */

/** Options that run git in `checkout` (its git directory and working tree named explicitly). */
export function inCheckout(settings: WorkspaceSettings, checkout: Checkout): GitRunOptions {
  return { gitDir: checkout.gitDir, workTree: checkout.dir, timeoutMs: settings.timeoutMs };
}

/**
 * The environment that makes `identity` the author and committer. The environment outranks every config file, so a
 * checkout's user.name cannot change who Planwright's commits say they are from.
 */
export function identityEnv(identity: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
}

/** The commit id HEAD of the repository points at. */
export async function headCommit(options: GitRunOptions): Promise<string> {
  const { stdout } = await git(['rev-parse', '--verify', 'HEAD^{commit}'], options);
  return stdout.trim();
}

/** NUL-separated git output as a list. */
export function splitNul(text: string): string[] {
  return text.split('\0').filter(Boolean);
}
