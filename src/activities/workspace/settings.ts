import path from 'node:path';
import type { CheckoutMode } from '../../domain/workspace';

/** A git author and committer. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** The identity of Planwright's commits unless the worker is configured otherwise. */
export const DEFAULT_IDENTITY: GitIdentity = { name: 'Planwright', email: 'planwright@localhost' };

/**
 * What one task may leave in its checkout and commit: worker settings (`workspace.limits`), because they protect the
 * worker's disk and the user's repository whatever a run asks. A step over a limit is undone and the agent told why.
 */
export interface CheckoutLimits {
  /** Most bytes of the files one step adds or changes. */
  maxStepBytes: number;
  /** Most files one step adds, changes or deletes. */
  maxStepFiles: number;
  /** Most bytes of the file contents a task's commits add over all its steps. */
  maxTaskBytes: number;
  /** Most bytes of files in a checkout's working tree, ignored files and setup products included. */
  maxCheckoutBytes: number;
}

export const DEFAULT_CHECKOUT_LIMITS: CheckoutLimits = {
  maxStepBytes: 64 * 1024 ** 2,
  maxStepFiles: 5_000,
  maxTaskBytes: 256 * 1024 ** 2,
  maxCheckoutBytes: 8 * 1024 ** 3,
};

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
  /** What a task may leave in its checkout and commit; default DEFAULT_CHECKOUT_LIMITS. */
  limits: CheckoutLimits;
}

/** Settings with defaults filled in; `root` is made absolute. */
export function workspaceSettings(
  options: Partial<Omit<WorkspaceSettings, 'limits'>> & { root: string; limits?: Partial<CheckoutLimits> },
): WorkspaceSettings {
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
    limits: { ...DEFAULT_CHECKOUT_LIMITS, ...options.limits },
    root,
  };
}
