import { workflowInfo } from '@temporalio/workflow';
import type { VerifyResult } from '../../domain/agent-loop';
import type { ImplementerOutput, ReviewVerdict } from '../../domain/agent-outputs';
import { TASK_TOOL_CALL_LIMIT } from '../../domain/errors';
import { taskBranch } from '../../domain/git-refs';
import type { TaskOutcome } from '../../domain/run';
import type { TaskProgress } from '../../domain/task-progress';
import { FINISH_TOOL } from '../../domain/tools';
import { MODEL_CALL_OPTIONS } from '../activity-options';
import { ownQueueOptions, verifyFeedback } from './acting-options';
import { roundOpening, type ActingState, type RoundArgs, type TaskWorkspaceInput } from './acting-state';
import type { CreditAccount } from './credit-account';
import { HeldCheckout } from './held-checkout';
import type { RoundContext, TaskKind } from './task-kind';
import { TaskStop } from './task-stop';
import type { TaskWorkflowInput } from './task-workflow';
import { constraintsOf } from './text-task';
import { ToolCallGate } from './tool-call-gate';
import { TaskToolCalls } from './tool-call-limits';
import { takeToolStep, type StepArgs, type StepResult } from './tool-step';

export type { ActingState, TaskWorkspaceInput } from './acting-state';

/**
 * A task whose agent acts in a checkout of the run's repository: the tool loop of each round (model turns and their
 * tool steps on the worker holding the checkout), the verify gate, and review of the diff. History records each
 * step's one-line summary and commit; the conversation stays in the worker's cache.
 */
export class ActingTask implements TaskKind {
  private readonly held: HeldCheckout;
  private readonly gate: ToolCallGate;
  private readonly toolCalls: TaskToolCalls;
  private steps = 0;
  private changedFiles: string[] = [];
  private lastVerify: VerifyResult[] = [];
  private outOfToolCalls: string | undefined;

  constructor(
    private readonly input: TaskWorkflowInput & { workspace: TaskWorkspaceInput },
    private readonly progress: TaskProgress,
    private readonly credits: CreditAccount,
    restored?: ActingState,
  ) {
    const ids = { runId: input.runWorkflowId, taskId: input.task.id };
    this.held = new HeldCheckout(ids, input.workspace, restored);
    this.gate = new ToolCallGate(input.runWorkflowId, progress, input.approvalTimeoutSeconds);
    this.toolCalls = new TaskToolCalls(
      { runWorkflowId: input.runWorkflowId, taskId: input.task.id },
      input.workspace.policy,
      progress,
      restored?.toolCalls,
    );
    if (restored) {
      ({ steps: this.steps, changedFiles: this.changedFiles, lastVerify: this.lastVerify } = restored);
      this.outOfToolCalls = restored.outOfToolCalls;
    }
  }

  /** The state to carry across continue-as-new. */
  continuation(): ActingState {
    const held = this.held.state();
    return {
      checkout: held.checkout,
      queue: held.queue,
      startCommit: held.startCommit,
      head: held.head,
      steps: this.steps,
      commits: held.commits,
      moves: held.moves,
      changedFiles: this.changedFiles,
      lastVerify: this.lastVerify,
      toolCalls: this.toolCalls.state(),
      ...(this.outOfToolCalls ? { outOfToolCalls: this.outOfToolCalls } : {}),
    };
  }

  /** The checkout, unless a task continued as new has it already. */
  async prepare(): Promise<void> {
    if (!this.held.checkout) await this.held.prepare();
  }

  async implement(ctx: RoundContext): Promise<ImplementerOutput> {
    const { goal, task, dependencies } = this.input;
    const summary = await this.implementRound({
      round: ctx.round,
      goal,
      task,
      dependencies,
      ...constraintsOf(this.input),
      ...(ctx.feedback ? { feedback: ctx.feedback } : {}),
      ...(ctx.modelOverride ? { modelOverride: ctx.modelOverride } : {}),
    });
    return { summary, artifacts: [], notes: '' };
  }

  /** Model turns and their tool steps until the agent finishes, a limit, or the round's step limit. */
  private async implementRound(args: RoundArgs): Promise<string> {
    const { round } = args;
    if (this.outOfToolCalls) {
      throw new TaskStop(
        TASK_TOOL_CALL_LIMIT,
        `${this.outOfToolCalls}, and round ${round} needs more; raise the limit`,
      );
    }
    const key = { taskWorkflowId: workflowInfo().workflowId, round };
    const { policy, workerTimeoutSeconds } = this.input.workspace;
    const recap: string[] = [];
    let taken = 0;
    let idleTurns = 0;
    let opened = false;
    while (taken < policy.maxStepsPerRound) {
      const turn = await this.held.onWorker((acts) =>
        this.credits.metered((available) =>
          acts.agentTurn.executeWithOptions(
            {
              ...ownQueueOptions(this.held.queue, workerTimeoutSeconds, MODEL_CALL_OPTIONS.startToCloseTimeout!),
              summary: `think · round ${round} · step ${taken + 1}`,
            },
            [
              {
                key,
                // The worker keeps the conversation: the round's opening goes with its first turn, and again after a
                // move (with the steps taken so far), never with every turn.
                ...(opened && !this.held.needsRecap
                  ? {}
                  : { opening: roundOpening(args, this.held.needsRecap ? recap : []) }),
                availableMillicredits: available,
                ...(args.modelOverride ? { modelOverride: args.modelOverride } : {}),
              },
            ],
          ),
        ),
      );
      this.held.needsRecap = false;
      opened = true;
      if (turn.calls.length === 0) {
        // A turn without a tool call is nudged once; two in a row end the round.
        if (++idleTurns >= 2) break;
        continue;
      }
      idleTurns = 0;
      for (const [callIndex, call] of turn.calls.entries()) {
        if (taken >= policy.maxStepsPerRound) break;
        // A limit reached ends the round: verify and review judge the work as it stands.
        const refusal = call.name === FINISH_TOOL ? undefined : await this.toolCalls.take();
        if (refusal) {
          this.outOfToolCalls = refusal;
          return `stopped: ${refusal}`;
        }
        taken++;
        const record = await this.step({
          key,
          callIndex,
          stepId: `r${round}s${taken}`,
          summary: call.summary,
          ...(call.gated ? { gated: call.gated } : {}),
          price: this.priceOf(call.name),
        });
        recap.push(record.summary);
        if (record.finished !== undefined) return record.finished || 'finished';
        if (record.interrupted) break;
      }
    }
    return `stopped after ${taken} step(s) without calling finish`;
  }

  /** Runs the verify commands; failures become the implementer's feedback for the next round. */
  async verify(round: number): Promise<{ passed: true } | { passed: false; feedback: ReviewVerdict }> {
    this.progress.phase = 'verifying';
    const { policy, workerTimeoutSeconds } = this.input.workspace;
    const checked = await this.held.onWorker((acts) =>
      acts.verifyWork.executeWithOptions(
        {
          ...ownQueueOptions(
            this.held.queue,
            workerTimeoutSeconds,
            `${(policy.verify.length + 1) * policy.commandTimeoutSeconds + 120} seconds`,
          ),
          summary: `verify · round ${round}`,
        },
        [{ taskWorkflowId: workflowInfo().workflowId, startCommit: this.held.startCommit }],
      ),
    );
    this.changedFiles = checked.changedFiles;
    this.lastVerify = checked.results;
    const failed = checked.results.filter((r) => !r.passed);
    if (failed.length === 0) return { passed: true };
    return { passed: false, feedback: verifyFeedback(failed) };
  }

  /** One reviewer seat judging the task's diff and verify results, on the worker holding the checkout. */
  review(output: ImplementerOutput, round: number, seat: number): Promise<ReviewVerdict> {
    const { task, workspace } = this.input;
    return this.credits.metered((available) =>
      this.held.onWorker((acts) =>
        acts.reviewWork.executeWithOptions(
          {
            ...ownQueueOptions(
              this.held.queue,
              workspace.workerTimeoutSeconds,
              MODEL_CALL_OPTIONS.startToCloseTimeout!,
            ),
            summary: `review · round ${round}${seat > 0 ? ` · seat ${seat + 1}` : ''}`,
          },
          [
            {
              task,
              round,
              panelSeat: seat,
              ...constraintsOf(this.input),
              availableMillicredits: available,
              taskWorkflowId: workflowInfo().workflowId,
              startCommit: this.held.startCommit,
              summary: output.summary,
              verify: this.lastVerify,
            },
          ],
        ),
      ),
    );
  }

  /** The tool calls it made, and what it leaves in the run's repository once it passed. */
  outcome(succeeded: boolean): Partial<TaskOutcome> {
    if (!succeeded) return { toolCalls: this.toolCalls.used };
    const work = {
      branch: taskBranch(this.input.runWorkflowId, this.input.task.id),
      commit: this.held.head,
      startCommit: this.held.startCommit,
      changedFiles: this.changedFiles,
      steps: this.steps,
      commits: this.held.commits,
    };
    return { toolCalls: this.toolCalls.used, work };
  }

  release(): Promise<void> {
    return this.held.release();
  }

  /** One tool step (./tool-step.ts), counted in the task's progress. */
  private step(args: StepArgs): Promise<StepResult> {
    this.steps++;
    this.progress.steps = this.steps;
    this.progress.lastStep = args.summary;
    const { task, workspace } = this.input;
    const { held, gate, credits, progress } = this;
    return takeToolStep({ taskId: task.id, workspace, held, gate, credits, progress }, args);
  }

  /** The recorded price of a call of `name`: MCP tools priced in the config at the run's opening; 0 otherwise. */
  private priceOf(name: string): number {
    return this.input.workspace.mcpTools?.find((tool) => tool.qualifiedName === name)?.millicreditsPerCall ?? 0;
  }
}
