import type { MeteredResult, ReviewTaskInput } from '../../domain/activity-contracts';
import type { VerifyResult, VerifyWorkInput, VerifyWorkResult } from '../../domain/agent-loop';
import type { ReviewVerdict } from '../../domain/agent-outputs';
import { encodeRefComponent } from '../../domain/git-refs';
import { MAX_CHANGED_FILES_LISTED } from '../../domain/run-workspace';
import { reviewTask } from '../agents';
import { diff, diffSummary, toWorkspaceFailure } from '../workspace';
import { headCommit, inCheckout } from '../workspace/repo-ops';
import { runChecksOnCommit } from './committed-checks';
import { withHeartbeat } from './heartbeat';
import type { AgentLoopContext } from './settings';

/** Most bytes of a task's diff the reviewer reads. */
const REVIEW_DIFF_BYTES = 24_000;

/**
 * Runs the task's verify commands (sandboxed) on its last commit, each in a fresh checkout of it (committed-checks.ts),
 * and lists the files the task changed.
 */
export function verifyWork(ctx: AgentLoopContext, input: VerifyWorkInput): Promise<VerifyWorkResult> {
  return withHeartbeat(async (signal) => {
    const { checkout, policy, setup, taskId, base } = ctx.held.get(input.taskWorkflowId);
    try {
      const commit = await headCommit(inCheckout(ctx.workspace, checkout));
      const checks = { source: checkout, commit, label: `${encodeRefComponent(taskId)}-check`, policy, signal };
      const setUp = { setup: setup ?? [], base: base ?? checkout.commit };
      const results = await runChecksOnCommit(ctx, { ...checks, ...setUp }, policy.verify);
      const summary = await diffSummary(ctx.workspace, {
        checkout,
        from: input.startCommit,
        maxFiles: MAX_CHANGED_FILES_LISTED,
      });
      return { results, changedFiles: summary.files.map((f) => f.path) };
    } catch (err) {
      throw toWorkspaceFailure(err);
    }
  });
}

export interface ReviewWorkInput extends Omit<ReviewTaskInput, 'output'> {
  taskWorkflowId: string;
  startCommit: string;
  /** The implementer's finish summary. */
  summary: string;
  verify: VerifyResult[];
}

/**
 * Reviews an acting task's work on the worker holding its checkout: the reviewer reads the task's diff from its start
 * (bounded) and the verify results, as the output to judge. The diff is made here, so it never enters history.
 */
export async function reviewWork(ctx: AgentLoopContext, input: ReviewWorkInput): Promise<MeteredResult<ReviewVerdict>> {
  const { taskWorkflowId, startCommit, summary, verify, ...review } = input;
  const { checkout } = ctx.held.get(taskWorkflowId);
  let changes;
  try {
    changes = await diff(ctx.workspace, { checkout, from: startCommit, maxBytes: REVIEW_DIFF_BYTES });
  } catch (err) {
    throw toWorkspaceFailure(err);
  }
  const checks = verify.map((v) => `${v.command}: ${v.passed ? 'passed' : `failed (exit ${v.exitCode ?? 'killed'})`}`);
  return reviewTask(ctx.model, {
    ...review,
    output: {
      summary,
      artifacts: [
        {
          name: 'changes.diff',
          kind: 'patch',
          content: changes.text + (changes.truncated ? `\n[diff cut at ${REVIEW_DIFF_BYTES} bytes]` : ''),
        },
      ],
      notes: checks.length > 0 ? `Verify commands run by Planwright: ${checks.join('; ')}` : 'No verify commands.',
    },
  });
}
