/**
 * Git on a worker's disk for the agents' workspace: the run's repository, checkouts, a step's commit, merges and diffs.
 * Plain functions over a worker's WorkspaceSettings; the agent-loop activities call them and turn their failures into
 * ApplicationFailures (toWorkspaceFailure). `cleanupRun` serves the checkout benchmark and, next, resuming a run.
 */
import { checkoutCommittedTree, prepareCheckout } from './checkout';
import { cleanupRun, removeCheckout } from './cleanup';
import { commitStep } from './commit';
import { diff, diffSummary } from './diff';
import { findStep } from './find-step';
import { mergeBranches } from './merge';
import { pushTaskBranch } from './push';
import { openRunRepository } from './run-repository';

export { DEFAULT_IDENTITY, workspaceSettings, type GitIdentity, type WorkspaceSettings } from './settings';
export { DEFAULT_CHECKOUT_LIMITS, type CheckoutLimits } from './settings';
export { scanWorkTree, type TreeScan } from './tree-scan';
export { removeOrphanedCheckouts } from './checkout-owner';
export * from './errors';
export {
  checkoutCommittedTree,
  prepareCheckout,
  cleanupRun,
  removeCheckout,
  commitStep,
  diff,
  diffSummary,
  findStep,
  mergeBranches,
};
export { openRunRepository, pushTaskBranch };
