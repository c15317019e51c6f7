import path from 'node:path';
import type { CheckoutMode } from '../../domain/workspace';

/** A git author and committer. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** The identity of Planwright's commits unless the worker is configured otherwise. */
export const DEFAULT_IDENTITY: GitIdentity = { name: 'Planwright', email: 'planwright@localhost' };

/** How this worker keeps run repositories, clone caches and checkouts. Worker settings, never run input. */
export interface WorkspaceSettings {
  /** Folder of run repositories (`repos/<runId>.git`) and checkouts (`checkouts/<runId>/…`); absolute. */
  root: string;
  /** Folder of this worker's clone caches, one bare repository per remote; default `<root>/cache`. */
  cacheDir: string;
  /** Author and committer of every commit; default DEFAULT_IDENTITY. */
  identity: GitIdentity;
  /** How a task's checkout is made; default `clone` (see checkout.ts for why). */
  mode: CheckoutMode;
  /** Make caches partial clones (`--filter=blob:none`): file contents come when a checkout needs them. Default false. */
  partial: boolean;
  /** Make caches shallow, fetching this many commits of history; default undefined (full history). */
  depth?: number;
  /** A repository with Git LFS files on a worker without git-lfs: `require` fails the checkout, `skip` leaves pointers. */
  lfs: 'require' | 'skip';
  /** Let submodules come from local paths or file:// URLs (git refuses them by default since 2.38.1). Default false. */
  allowLocalSubmodules: boolean;
  /** Most milliseconds one git command may take; default 10 minutes. */
  timeoutMs: number;
}

/** Settings with defaults filled in; `root` is made absolute. */
export function workspaceSettings(options: Partial<WorkspaceSettings> & { root: string }): WorkspaceSettings {
  const root = path.resolve(options.root);
  return {
    cacheDir: path.join(root, 'cache'),
    identity: DEFAULT_IDENTITY,
    mode: 'clone',
    partial: false,
    lfs: 'require',
    allowLocalSubmodules: false,
    timeoutMs: 10 * 60_000,
    ...options,
    root,
  };
}
