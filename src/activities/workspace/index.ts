import type { z } from 'zod';
import {
  CleanupRunInput,
  CommitStepInput,
  DiffInput,
  DiffSummaryInput,
  FindStepInput,
  MergeBranchesInput,
  OpenRunRepositoryInput,
  PrepareCheckoutInput,
  PushTaskBranchInput,
  Checkout,
} from '../../domain/workspace';
import { checkoutCommittedTree, prepareCheckout } from './checkout';
import { cleanupRun, removeCheckout } from './cleanup';
import { commitStep } from './commit';
import { diff, diffSummary } from './diff';
import { InvalidWorkspaceInputError, toWorkspaceFailure } from './errors';
import { findStep } from './find-step';
import { mergeBranches } from './merge';
import { pushTaskBranch } from './push';
import { openRunRepository } from './run-repository';
import type { WorkspaceSettings } from './settings';

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

/** `input` checked against its schema; a mismatch is the caller's input error, named field by field. */
function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw new InvalidWorkspaceInputError(`${what}: ${issues}`);
}

/** Runs `fn` on the parsed input and turns workspace failures into ApplicationFailures (type, retryability). */
function activity<S extends z.ZodType, R>(schema: S, what: string, fn: (input: z.infer<S>) => Promise<R>) {
  return async (input: z.input<S>): Promise<R> => {
    try {
      return await fn(parse(schema, input, what));
    } catch (err) {
      throw toWorkspaceFailure(err);
    }
  };
}

/**
 * The workspace activities over one worker's settings: each checks its input against the schema of
 * src/domain/workspace.ts and fails with an ApplicationFailure whose type is a WORKSPACE_* constant.
 */
export function createWorkspaceActivities(settings: WorkspaceSettings) {
  return {
    openRunRepository: activity(OpenRunRepositoryInput, 'openRunRepository', (i) => openRunRepository(settings, i)),
    prepareCheckout: activity(PrepareCheckoutInput, 'prepareCheckout', (i) => prepareCheckout(settings, i)),
    commitStep: activity(CommitStepInput, 'commitStep', (i) => commitStep(settings, i)),
    pushTaskBranch: activity(PushTaskBranchInput, 'pushTaskBranch', (i) => pushTaskBranch(settings, i)),
    findStep: activity(FindStepInput, 'findStep', (i) => findStep(settings, i)),
    mergeBranches: activity(MergeBranchesInput, 'mergeBranches', (i) => mergeBranches(settings, i)),
    diffSummary: activity(DiffSummaryInput, 'diffSummary', (i) => diffSummary(settings, i)),
    diff: activity(DiffInput, 'diff', (i) => diff(settings, i)),
    removeCheckout: activity(Checkout, 'removeCheckout', (c) => removeCheckout(settings, c)),
    cleanupRun: activity(CleanupRunInput, 'cleanupRun', (i) => cleanupRun(settings, i.runId)),
  };
}

export type WorkspaceActivities = ReturnType<typeof createWorkspaceActivities>;
