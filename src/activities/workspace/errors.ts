import { ApplicationFailure } from '@temporalio/common';
import {
  WORKSPACE_AUTH_FAILED,
  WORKSPACE_CHECKOUT_MISSING,
  WORKSPACE_CHECKOUT_TAMPERED,
  WORKSPACE_GIT_FAILED,
  WORKSPACE_INVALID_INPUT,
  WORKSPACE_LFS_UNAVAILABLE,
  WORKSPACE_NOT_A_REPOSITORY,
  WORKSPACE_REF_NOT_FOUND,
  WORKSPACE_REMOTE_MOVED,
  WORKSPACE_REMOTE_REJECTED,
  WORKSPACE_REMOTE_UNREACHABLE,
} from '../../domain/workspace';

/**
 * Whose fault a workspace failure is: `user` (the run's input, or the policy of the user's repository), `host` (this
 * worker: its git, credentials, disk or network), or `concurrent` (another writer got there first: not a fault, an
 * outcome the caller decides on).
 */
export type WorkspaceFault = 'user' | 'host' | 'concurrent';

/** Every failure of the workspace module: one line saying what went wrong and how to fix it. */
export abstract class WorkspaceError extends Error {
  /** The ApplicationFailure type it maps to (WORKSPACE_* in src/domain/workspace.ts). */
  abstract readonly type: string;
  abstract readonly fault: WorkspaceFault;
  /** Whether trying again (perhaps on another worker) may succeed. */
  abstract readonly retryable: boolean;
}

/** The run's input is wrong; raised before anything is written. Never retried. */
export abstract class WorkspaceUserError extends WorkspaceError {
  readonly fault = 'user' as const;
  readonly retryable: boolean = false;
}

/** This worker cannot do it; another worker, or this one later, may. */
export abstract class WorkspaceHostError extends WorkspaceError {
  readonly fault = 'host' as const;
  readonly retryable: boolean = true;
}

/** An id, path, ref or option of the input is malformed; the message names the field. */
export class InvalidWorkspaceInputError extends WorkspaceUserError {
  override name = 'InvalidWorkspaceInputError';
  readonly type = WORKSPACE_INVALID_INPUT;
}

/** `--repo` is not a git repository (a local path that is missing or holds no repository, or a URL with none). */
export class NotARepositoryError extends WorkspaceUserError {
  override name = 'NotARepositoryError';
  readonly type = WORKSPACE_NOT_A_REPOSITORY;
}

/** The remote did not answer (DNS, refused or timed-out connection). Retryable once a run is under way. */
export class RemoteUnreachableError extends WorkspaceUserError {
  override name = 'RemoteUnreachableError';
  readonly type = WORKSPACE_REMOTE_UNREACHABLE;
  constructor(
    message: string,
    override readonly retryable = false,
  ) {
    super(message);
  }
}

/** A ref or commit the run names (`--base`, a dependency's branch) is not in the repository. */
export class RefNotFoundError extends WorkspaceUserError {
  override name = 'RefNotFoundError';
  readonly type = WORKSPACE_REF_NOT_FOUND;
}

/** The remote refused an update for its own reason (a hook, branch protection); `remoteMessage` is what it said. */
export class RemoteRejectedError extends WorkspaceUserError {
  override name = 'RemoteRejectedError';
  readonly type = WORKSPACE_REMOTE_REJECTED;
  constructor(
    message: string,
    readonly remoteMessage: string,
  ) {
    super(message);
  }
}

/** A compare-and-swap push lost: the branch is at `actual` (null: absent), not `expected`. */
export class RemoteMovedError extends WorkspaceError {
  override name = 'RemoteMovedError';
  readonly type = WORKSPACE_REMOTE_MOVED;
  readonly fault = 'concurrent' as const;
  readonly retryable = false;
  constructor(
    readonly remote: string,
    readonly branch: string,
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(
      `branch ${branch} of ${remote} moved: expected ${expected ?? 'no branch'}, found ${actual ?? 'no branch'} ` +
        '(another writer pushed first): fetch the branch and decide again from its new commit',
    );
  }
}

/** The worker has no credentials the remote accepts. Credentials come only from the worker, never from run input. */
export class AuthFailedError extends WorkspaceHostError {
  override name = 'AuthFailedError';
  readonly type = WORKSPACE_AUTH_FAILED;
}

/** The repository keeps files in Git LFS and this worker has no git-lfs. */
export class LfsUnavailableError extends WorkspaceHostError {
  override name = 'LfsUnavailableError';
  readonly type = WORKSPACE_LFS_UNAVAILABLE;
}

/** A checkout is not on this worker's disk (it was made by another worker, or cleaned up). */
export class CheckoutMissingError extends WorkspaceHostError {
  override name = 'CheckoutMissingError';
  readonly type = WORKSPACE_CHECKOUT_MISSING;
  override readonly retryable = false;
}

/** A checkout's git directory was replaced or redirected (a `.git` symlink, a `commondir` file): refused. */
export class CheckoutTamperedError extends WorkspaceHostError {
  override name = 'CheckoutTamperedError';
  readonly type = WORKSPACE_CHECKOUT_TAMPERED;
  override readonly retryable = false;
}

/** git failed in a way the module does not expect (or is missing, or timed out); `stderr` is its own account. */
export class GitFailedError extends WorkspaceHostError {
  override name = 'GitFailedError';
  readonly type = WORKSPACE_GIT_FAILED;
  constructor(
    message: string,
    readonly args: readonly string[] = [],
    readonly stderr = '',
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

/** The ApplicationFailure an activity throws for a workspace failure; anything else passes through unchanged. */
export function toWorkspaceFailure(err: unknown): unknown {
  if (!(err instanceof WorkspaceError)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ fault: err.fault }],
  });
}
