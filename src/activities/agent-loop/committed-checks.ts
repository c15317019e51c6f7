import type { VerifyResult } from '../../domain/agent-loop';
import type { Checkout } from '../../domain/workspace';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import { runVerify } from '../tools';
import { checkoutCommittedTree, removeCheckout } from '../workspace';
import { handToCommandOwner } from './ownership';
import type { AgentLoopContext } from './settings';
import { runSetup } from './setup';

export interface CommittedChecks {
  /** The checkout whose objects hold `commit` (the task's, or the integration's merge). */
  source: Checkout;
  commit: string;
  /** Names the throwaway trees beside `source`. */
  label: string;
  policy: WorkspacePolicy;
  /** The run's setup commands: their products (from this worker's cache) are part of what checks run on. */
  setup: readonly string[];
  /** The run's base commit, where the setup commands run (setup.ts). */
  base: string;
  signal: AbortSignal;
}

/**
 * Runs each check on exactly the committed work: a fresh checkout of the commit plus the products of the run's setup,
 * one per check, removed after it. Nothing a command planted in the task's own checkout, nor anything an earlier check
 * left behind, reaches a check; so "passed" means the commit passed.
 */
export async function runChecksOnCommit(
  ctx: AgentLoopContext,
  checks: CommittedChecks,
  commands: readonly string[],
): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const command of commands) {
    const tree = await checkoutCommittedTree(ctx.workspace, checks.source, checks.commit, checks.label);
    try {
      await handToCommandOwner(tree.dir);
      await runSetup(ctx, tree, checks.setup, checks.base);
      const toolContext = {
        dir: tree.dir,
        gitDir: tree.gitDir,
        policy: checks.policy,
        sandbox: ctx.sandbox,
        signal: checks.signal,
      };
      results.push(await runVerify(toolContext, command));
    } finally {
      await removeCheckout(ctx.workspace, tree).catch(() => undefined);
    }
  }
  return results;
}
