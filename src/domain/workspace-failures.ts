/** Failure types of the workspace activities (zod-free: task workflows compare against them). */

// Failure types of the workspace activities (ApplicationFailure.type). The user's input is wrong: never retried.
export const WORKSPACE_INVALID_INPUT = 'Planwright.Workspace.InvalidInput';
export const WORKSPACE_NOT_A_REPOSITORY = 'Planwright.Workspace.NotARepository';
export const WORKSPACE_REMOTE_UNREACHABLE = 'Planwright.Workspace.RemoteUnreachable';
export const WORKSPACE_REF_NOT_FOUND = 'Planwright.Workspace.RefNotFound';
/** The remote refused an update with its own reason (a hook, branch protection, a checked-out branch). */
export const WORKSPACE_REMOTE_REJECTED = 'Planwright.Workspace.RemoteRejected';
// A compare-and-swap lost: the remote branch is not where the caller expected. Decided by the caller, not retried.
export const WORKSPACE_REMOTE_MOVED = 'Planwright.Workspace.RemoteMoved';
// The worker's host is at fault: its credentials, tools, disk or network. Retried where the host may recover.
export const WORKSPACE_AUTH_FAILED = 'Planwright.Workspace.AuthFailed';
export const WORKSPACE_LFS_UNAVAILABLE = 'Planwright.Workspace.LfsUnavailable';
export const WORKSPACE_CHECKOUT_MISSING = 'Planwright.Workspace.CheckoutMissing';
export const WORKSPACE_CHECKOUT_TAMPERED = 'Planwright.Workspace.CheckoutTampered';
export const WORKSPACE_GIT_FAILED = 'Planwright.Workspace.GitFailed';
