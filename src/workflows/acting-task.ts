import { log, proxyActivities, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { AgentLoopActivities } from '../activities/agent-loop';
import type { MeteredResult } from '../domain/activity-contracts';
import type { ToolStepResult, VerifyResult } from '../domain/agent-loop';
import type { ReviewVerdict } from '../domain/agent-outputs';
import { TASK_MERGE_CONFLICT, TASK_TOO_MANY_MOVES, TASK_TOOL_CALL_LIMIT } from '../domain/errors';
import { taskBranch } from '../domain/git-refs';
import type { TaskSpec } from '../domain/plan';
import type { TaskWork } from '../domain/run-workspace';
import type { TaskProgress } from '../domain/task-progress';
import { FINISH_TOOL } from '../domain/tools';
import type { Checkout } from '../domain/workspace';
export type { ActingState, TaskWorkspaceInput } from './acting-state';
import { isWorkerLost, ownQueueOptions, sharedQueueOptions, verifyFeedback } from './acting-options';
import { roundOpening, type ActingState, type RoundArgs, type TaskWorkspaceInput } from './acting-state';
import { MODEL_CALL_OPTIONS } from './activity-options';
import { TaskStop } from './task-stop';
import { ToolCallGate } from './tool-call-gate';
import { TaskToolCalls } from './tool-call-limits';

type LoopActivities = ActivityInterfaceFor<AgentLoopActivities>;

/** How an acting task pays, through its taskWorkflow (which asks the run for credits as needed). */
export interface TaskMeters {
  /** Runs a metered activity until it fits the task's credits. */
  metered: <T>(call: (available: number) => Promise<MeteredResult<T>>) => Promise<T>;
  /** Charges a fixed price (a priced MCP tool's call), waiting for credits first when it does not fit. */
  charge: (millicredits: number) => Promise<void>;
}

/** Moves between workers a task may make before it fails: more means the fleet itself is failing. */
const MAX_MOVES = 5;

/**
 * The workflow side of an acting task: its checkout on one worker (reached through that worker's own queue), the
 * tool loop of each round, verify, review of the diff, and the move to a fresh checkout on another worker when the
 * one holding it stops answering. History records each step's one-line summary and commit; the conversation stays
 * in the worker's cache.
 */
export class ActingTask {
  private checkout: Checkout | undefined;
  private queue = '';
  private startCommit = '';
  private head = '';
  private steps = 0;
  private commits = 0;
  private moves = 0;
  private changedFiles: string[] = [];
  /** Set after a move: the next turn rebuilds the conversation from the round's steps. */
  private needsRecap = false;
  private readonly shared = proxyActivities<AgentLoopActivities>(sharedQueueOptions('workspace'));

  constructor(
    private readonly ids: { runId: string; taskId: string },
    private readonly workspace: TaskWorkspaceInput,
    private readonly progress: TaskProgress,
    private readonly meters: TaskMeters,
    restored?: ActingState,
    approvalTimeoutSeconds?: number,
  ) {
    this.gate = new ToolCallGate(ids.runId, progress, approvalTimeoutSeconds);
    this.toolCalls = new TaskToolCalls(
      { runWorkflowId: ids.runId, taskId: ids.taskId },
      workspace.policy,
      restored?.toolCalls,
    );
    if (restored) {
      ({ checkout: this.checkout, queue: this.queue, startCommit: this.startCommit, head: this.head } = restored);
      ({ steps: this.steps, commits: this.commits, moves: this.moves, changedFiles: this.changedFiles } = restored);
      this.lastVerify = restored.lastVerify;
      this.outOfToolCalls = restored.outOfToolCalls;
    }
  }

  private readonly gate: ToolCallGate;
  private readonly toolCalls: TaskToolCalls;
  private outOfToolCalls: string | undefined;

  /** Tool calls made so far, finish not counted (the task's outcome reports them to the run). */
  get toolCallsUsed(): number {
    return this.toolCalls.used;
  }

  /** True once the checkout exists (a task continued as new has it already). */
  get prepared(): boolean {
    return this.checkout !== undefined;
  }

  /** The state to carry across continue-as-new. */
  state(): ActingState {
    return {
      checkout: this.checkout!,
      queue: this.queue,
      startCommit: this.startCommit,
      head: this.head,
      steps: this.steps,
      commits: this.commits,
      moves: this.moves,
      changedFiles: this.changedFiles,
      lastVerify: this.lastVerify,
      toolCalls: this.toolCalls.state(),
      ...(this.outOfToolCalls ? { outOfToolCalls: this.outOfToolCalls } : {}),
    };
  }

  /** Prepares the checkout on some workspace worker; a conflict between the dependencies' branches ends the task. */
  async prepare(): Promise<void> {
    const prepared = await this.prepareCheckout('checkout');
    if (!prepared.ok) {
      const { branch, paths } = prepared.conflict;
      throw new TaskStop(
        TASK_MERGE_CONFLICT,
        `the branches of this task's dependencies conflict: merging ${branch} conflicts in ${paths.join(', ')}`,
      );
    }
    ({ checkout: this.checkout, queue: this.queue, startCommit: this.startCommit, head: this.head } = prepared);
  }

  /** One implementation round: model turns and their tool steps until the agent finishes or the step limit. */
  async implementRound(args: RoundArgs): Promise<string> {
    const { round } = args;
    if (this.outOfToolCalls) {
      throw new TaskStop(
        TASK_TOOL_CALL_LIMIT,
        `${this.outOfToolCalls}, and round ${round} needs more; raise the limit`,
      );
    }
    const key = { taskWorkflowId: workflowInfo().workflowId, round };
    const policy = this.workspace.policy;
    const recap: string[] = [];
    let taken = 0;
    let idleTurns = 0;
    let opened = false;
    while (taken < policy.maxStepsPerRound) {
      const turn = await this.onWorker((acts) =>
        this.meters.metered((available) =>
          acts.agentTurn.executeWithOptions(
            {
              ...ownQueueOptions(
                this.queue,
                this.workspace.workerTimeoutSeconds,
                MODEL_CALL_OPTIONS.startToCloseTimeout!,
              ),
              summary: `think · round ${round} · step ${taken + 1}`,
            },
            [
              {
                key,
                // The worker keeps the conversation: the round's opening goes with its first turn, and again after a
                // move (with the steps taken so far), never with every turn.
                ...(opened && !this.needsRecap ? {} : { opening: roundOpening(args, this.needsRecap ? recap : []) }),
                availableMillicredits: available,
                ...(args.modelOverride ? { modelOverride: args.modelOverride } : {}),
              },
            ],
          ),
        ),
      );
      this.needsRecap = false;
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
    const policy = this.workspace.policy;
    const checked = await this.onWorker((acts) =>
      acts.verifyWork.executeWithOptions(
        {
          ...ownQueueOptions(
            this.queue,
            this.workspace.workerTimeoutSeconds,
            `${(policy.verify.length + 1) * policy.commandTimeoutSeconds + 120} seconds`,
          ),
          summary: `verify · round ${round}`,
        },
        [{ taskWorkflowId: workflowInfo().workflowId, startCommit: this.startCommit }],
      ),
    );
    this.changedFiles = checked.changedFiles;
    this.lastVerify = checked.results;
    const failed = checked.results.filter((r) => !r.passed);
    if (failed.length === 0) return { passed: true };
    return { passed: false, feedback: verifyFeedback(failed) };
  }

  private lastVerify: VerifyResult[] = [];

  /** One reviewer seat judging the task's diff and verify results. */
  review(args: {
    task: TaskSpec;
    round: number;
    panelSeat: number;
    summary: string;
    constraints?: string[];
    available: number;
  }): Promise<MeteredResult<ReviewVerdict>> {
    return this.onWorker((acts) =>
      acts.reviewWork.executeWithOptions(
        {
          ...ownQueueOptions(this.queue, this.workspace.workerTimeoutSeconds, MODEL_CALL_OPTIONS.startToCloseTimeout!),
          summary: `review · round ${args.round}${args.panelSeat > 0 ? ` · seat ${args.panelSeat + 1}` : ''}`,
        },
        [
          {
            task: args.task,
            round: args.round,
            panelSeat: args.panelSeat,
            ...(args.constraints ? { constraints: args.constraints } : {}),
            availableMillicredits: args.available,
            taskWorkflowId: workflowInfo().workflowId,
            startCommit: this.startCommit,
            summary: args.summary,
            verify: this.lastVerify,
          },
        ],
      ),
    );
  }

  /** What the task leaves in the run's repository. */
  work(): TaskWork {
    return {
      branch: taskBranch(this.ids.runId, this.ids.taskId),
      commit: this.head,
      startCommit: this.startCommit,
      changedFiles: this.changedFiles,
      steps: this.steps,
      commits: this.commits,
    };
  }

  /** Frees the checkout on its worker; a worker that is gone has nothing to free. */
  async release(): Promise<void> {
    if (!this.checkout) return;
    try {
      await this.own().releaseCheckout.executeWithOptions(
        {
          taskQueue: this.queue,
          scheduleToStartTimeout: '30 seconds',
          startToCloseTimeout: '2 minutes',
          retry: { maximumAttempts: 2 },
          summary: 'release checkout',
        },
        [{ taskWorkflowId: workflowInfo().workflowId }],
      );
    } catch (err) {
      log.warn('could not remove the checkout', { queue: this.queue, error: String(err) });
    }
  }

  /** One tool step; after a move, tells whether it landed before the worker was lost. */
  private async step(args: {
    key: { taskWorkflowId: string; round: number };
    callIndex: number;
    stepId: string;
    summary: string;
    gated?: { server: string; tool: string; arguments: string };
    /** Credits the call costs, in thousandths (priced MCP tools), charged once it may run. */
    price: number;
  }): Promise<ToolStepResult & { interrupted?: boolean }> {
    this.steps++;
    this.progress.steps = this.steps;
    this.progress.lastStep = args.summary;
    const policy = this.workspace.policy;
    // A gated call waits for a person's decision on this very call (its id: task and step) before it may run.
    const decision = args.gated
      ? await this.gate.ask({ requestId: `${this.ids.taskId}/${args.stepId}`, taskId: this.ids.taskId, ...args.gated })
      : undefined;
    // A denied call does not run, so it costs nothing.
    if (args.price > 0 && decision?.approved !== false) await this.meters.charge(args.price);
    let result: ToolStepResult & { interrupted?: boolean };
    try {
      result = await this.own().runToolStep.executeWithOptions(
        {
          ...ownQueueOptions(
            this.queue,
            this.workspace.workerTimeoutSeconds,
            `${policy.commandTimeoutSeconds + 120} seconds`,
          ),
          summary: args.summary,
        },
        [
          {
            key: args.key,
            callIndex: args.callIndex,
            stepId: args.stepId,
            head: this.head,
            ...(decision ? { decision } : {}),
          },
        ],
      );
    } catch (err) {
      if (!isWorkerLost(err)) throw err;
      const landed = await this.move(args.stepId);
      // The conversation stayed on the lost worker: the next turn starts again from the steps taken.
      result = landed
        ? {
            summary: `${args.summary} (applied before the worker was lost)`,
            ok: true,
            interrupted: true,
            commit: this.head,
          }
        : { summary: `${args.summary} (not applied: the worker was lost)`, ok: false, interrupted: true };
    }
    if (result.commit && !result.interrupted) {
      this.head = result.commit;
      this.commits++;
    }
    this.progress.lastStep = result.summary;
    return result;
  }

  /** The recorded price of a call of `name`: MCP tools priced in the config at the run's opening; 0 otherwise. */
  private priceOf(name: string): number {
    return this.workspace.mcpTools?.find((tool) => tool.qualifiedName === name)?.millicreditsPerCall ?? 0;
  }

  /** Runs `fn` against the worker holding the checkout, moving the task to another worker when that one is lost. */
  private async onWorker<T>(fn: (acts: LoopActivities) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn(this.own());
      } catch (err) {
        if (!isWorkerLost(err)) throw err;
        await this.move();
      }
    }
  }

  /** A fresh checkout on another worker, from the task branch as the run's repository has it. */
  private async move(pendingStepId?: string): Promise<boolean> {
    if (++this.moves > MAX_MOVES) {
      throw new TaskStop(TASK_TOO_MANY_MOVES, `the task lost its worker ${MAX_MOVES} times: check the workers' health`);
    }
    log.warn('the worker holding the checkout is lost; preparing a fresh checkout elsewhere', { queue: this.queue });
    const prepared = await this.prepareCheckout('move checkout', pendingStepId ? { pendingStepId } : {});
    if (!prepared.ok) throw new Error('unreachable: a task that moves continues from its own branch');
    const landed = prepared.pendingStepLanded === true;
    if (landed) this.commits++;
    ({ checkout: this.checkout, queue: this.queue, head: this.head } = prepared);
    this.needsRecap = true;
    return landed;
  }

  /** A checkout on some workspace worker, new or (with `recover`) continuing the task's branch. */
  private prepareCheckout(summary: string, recover?: { pendingStepId?: string }) {
    return this.shared.prepareTaskCheckout.executeWithOptions(sharedQueueOptions(summary), [
      {
        ...this.ids,
        remote: this.workspace.remote,
        base: this.workspace.base,
        dependencies: this.workspace.dependencies,
        setup: this.workspace.setup ?? [],
        taskWorkflowId: workflowInfo().workflowId,
        policy: this.workspace.policy,
        ...(this.workspace.mcpTools ? { mcpTools: this.workspace.mcpTools } : {}),
        ...(recover ? { recover } : {}),
      },
    ]);
  }

  private own(): LoopActivities {
    return proxyActivities<AgentLoopActivities>(
      ownQueueOptions(this.queue, this.workspace.workerTimeoutSeconds, '10 minutes'),
    );
  }
}
