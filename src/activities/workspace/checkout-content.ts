import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Checkout } from '../../domain/workspace';
import { GitFailedError, LfsUnavailableError } from './errors';
import { git } from './git';
import { inCheckout } from './repo-ops';
import type { WorkspaceSettings } from './settings';

/** What a checkout needs beyond its own files: its submodules, and its Git LFS content. */

/**
 * Initialises the checkout's submodules, recursively, at the commits the checkout records; returns their paths.
 * `--checkout` overrides any `submodule.<name>.update` setting (`!command` would run a program). Submodules from local
 * paths are refused, as git refuses them since 2.38.1 (a crafted repository could copy the worker's files through a
 * symlinked objects folder), unless the worker allows them.
 */
export async function initSubmodules(settings: WorkspaceSettings, checkout: Checkout): Promise<string[]> {
  const hasModules = await access(path.join(checkout.dir, '.gitmodules')).then(
    () => true,
    () => false,
  );
  if (!hasModules) return [];
  const allowFile = settings.allowLocalSubmodules ? ['-c', 'protocol.file.allow=always'] : [];
  try {
    // The worker's config (credentials, proxies): these are the base's submodules, since no agent step may commit a
    // gitlink or a .gitmodules (step-changes.ts).
    await git([...allowFile, 'submodule', 'update', '--init', '--recursive', '--checkout', '--quiet'], {
      ...inCheckout(settings, checkout),
      config: 'worker',
    });
  } catch (err) {
    if (err instanceof GitFailedError && /transport 'file' not allowed/.test(err.stderr)) {
      throw new GitFailedError(
        `a submodule of ${checkout.remote} comes from a local path, which this worker refuses: use URLs in ` +
          '.gitmodules, or allow local submodules in the worker settings (allowLocalSubmodules) for trusted repositories',
        err.args,
        err.stderr,
      );
    }
    throw err;
  }
  const { stdout } = await git(['submodule', 'status', '--recursive'], inCheckout(settings, checkout));
  return stdout
    .split('\n')
    .map((line) => /^.[0-9a-f]+ (.+?)(?: \(.*\))?$/.exec(line)?.[1])
    .filter((p): p is string => Boolean(p));
}

/** True when a .gitattributes file of the checkout routes files through the LFS filter. */
async function usesLfs(settings: WorkspaceSettings, checkout: Checkout): Promise<boolean> {
  const { stdout } = await git(['ls-files', '-z', '--', ':(glob)**/.gitattributes'], inCheckout(settings, checkout));
  for (const file of stdout.split('\0').filter(Boolean)) {
    const text = await readFile(path.join(checkout.dir, file), 'utf8').catch(() => '');
    if (/(^|\s)filter=lfs(\s|$)/m.test(text)) return true;
  }
  return false;
}

/** True when git-lfs is installed for the worker's git. */
async function hasGitLfs(): Promise<boolean> {
  return git(['lfs', 'version'], { timeoutMs: 30_000 }).then(
    () => true,
    () => false,
  );
}

/**
 * Fetches the checkout's LFS files in one batch (`git lfs pull`), when it has any. Without git-lfs on the worker the
 * files would silently stay pointers, so that fails unless the worker settings say `lfs: skip`.
 */
export async function pullLfs(settings: WorkspaceSettings, checkout: Checkout): Promise<'none' | 'pulled' | 'skipped'> {
  if (!(await usesLfs(settings, checkout))) return 'none';
  if (await hasGitLfs()) {
    // The worker's config (git-lfs's own settings, credentials); no agent step may commit a .lfsconfig.
    await git(['lfs', 'pull'], {
      ...inCheckout(settings, checkout),
      config: 'worker',
      env: { GIT_LFS_SKIP_SMUDGE: '0' },
    });
    return 'pulled';
  }
  if (settings.lfs === 'skip') return 'skipped';
  throw new LfsUnavailableError(
    `${checkout.remote} keeps files in Git LFS (a .gitattributes says filter=lfs) and git-lfs is not installed on ` +
      "this worker: install git-lfs on the workers, or set the workspace's lfs setting to skip to work on pointer files",
  );
}
