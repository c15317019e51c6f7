import type {
  AgentTurnInput,
  IntegrateRunInput,
  PrepareTaskCheckoutInput,
  ToolStepInput,
  VerifyWorkInput,
} from '../../domain/agent-loop';
import type { RunWorkspaceInput } from '../../domain/run-workspace';
import { removeCheckout } from '../workspace';
import { reviewWork, verifyWork, type ReviewWorkInput } from './check';
import { integrateRun } from './integrate';
import { openRunWorkspace } from './open-workspace';
import type { AgentLoopContext } from './settings';
import { runToolStep } from './step';
import { prepareTaskCheckout } from './task-checkout';
import { agentTurn } from './turn';

export type { AgentLoopContext } from './settings';
export { TranscriptCache } from './transcript-cache';

/**
 * The activities of agents that act. openRunWorkspace, prepareTaskCheckout and integrateRun may run on any workspace
 * worker (the shared workspace queue); the others run on the worker holding the task's checkout (its own queue).
 */
export function createAgentLoopActivities(ctx: AgentLoopContext) {
  return {
    openRunWorkspace: (input: { runId: string; workspace: RunWorkspaceInput }) => openRunWorkspace(ctx, input),
    prepareTaskCheckout: (input: PrepareTaskCheckoutInput) => prepareTaskCheckout(ctx, input),
    integrateRun: (input: IntegrateRunInput) => integrateRun(ctx, input),
    agentTurn: (input: AgentTurnInput) => agentTurn(ctx, input),
    runToolStep: (input: ToolStepInput) => runToolStep(ctx, input),
    verifyWork: (input: VerifyWorkInput) => verifyWork(ctx, input),
    reviewWork: (input: ReviewWorkInput) => reviewWork(ctx, input),
    /** Removes a task's checkout and conversation once the task ended; best effort. */
    releaseCheckout: async (input: { taskWorkflowId: string }) => {
      ctx.transcripts.forget(input.taskWorkflowId);
      const held = ctx.held.release(input.taskWorkflowId);
      await ctx.mcp?.pool.closeTask(input.taskWorkflowId);
      if (held) await removeCheckout(ctx.workspace, held.checkout);
    },
  };
}

export type AgentLoopActivities = ReturnType<typeof createAgentLoopActivities>;
