import { log, proxyActivities, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { AgentLoopActivities } from '../../activities/agent-loop';
import { TASK_MERGE_CONFLICT, TASK_TOO_MANY_MOVES } from '../../domain/errors';
import type { Checkout } from '../../domain/workspace';
import { isWorkerLost, ownQueueOptions, sharedQueueOptions } from './acting-options';
import type { ActingState, TaskWorkspaceInput } from './acting-state';
import { TaskStop } from './task-stop';

export type LoopActivities = ActivityInterfaceFor<AgentLoopActivities>;

/** Moves between workers a task may make before it fails: more means the fleet itself is failing. */
const MAX_MOVES = 5;

/** Where an acting task's checkout is and what it points at: the part of its state that moves with it. */
export type CheckoutState = Pick<ActingState, 'checkout' | 'queue' | 'startCommit' | 'head' | 'commits' | 'moves'>;

/**
 * An acting task's checkout on one worker, reached through that worker's own queue, and its move to a fresh checkout
 * on another worker when the one holding it stops answering.
 */
export class HeldCheckout {
  checkout: Checkout | undefined;
  queue = '';
  startCommit = '';
  /** The task branch's head: the last commit a step made. */
  head = '';
  commits = 0;
  moves = 0;
  /** Set after a move: the next turn rebuilds the conversation from the round's steps. */
  needsRecap = false;
  private readonly shared = proxyActivities<AgentLoopActivities>(sharedQueueOptions('workspace'));

  constructor(
    private readonly ids: { runId: string; taskId: string },
    private readonly workspace: TaskWorkspaceInput,
    restored?: CheckoutState,
  ) {
    if (restored) {
      ({ checkout: this.checkout, queue: this.queue, startCommit: this.startCommit, head: this.head } = restored);
      ({ commits: this.commits, moves: this.moves } = restored);
    }
  }

  state(): CheckoutState {
    return {
      checkout: this.checkout!,
      queue: this.queue,
      startCommit: this.startCommit,
      head: this.head,
      commits: this.commits,
      moves: this.moves,
    };
  }

  /** Prepares the checkout on some workspace worker; a conflict between the dependencies' branches ends the task. */
  async prepare(): Promise<void> {
    // Only a task's start may go back to the base: a move continues from the branch, whatever the retry said.
    const prepared = await this.prepareCheckout('checkout', undefined, this.workspace.fromBase);
    if (!prepared.ok) {
      const { branch, paths } = prepared.conflict;
      throw new TaskStop(
        TASK_MERGE_CONFLICT,
        `the branches of this task's dependencies conflict: merging ${branch} conflicts in ${paths.join(', ')}`,
      );
    }
    ({ checkout: this.checkout, queue: this.queue, startCommit: this.startCommit, head: this.head } = prepared);
  }

  /** Runs `fn` against the worker holding the checkout, moving the task to another worker when that one is lost. */
  async onWorker<T>(fn: (acts: LoopActivities) => Promise<T>): Promise<T> {
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
  async move(pendingStepId?: string): Promise<boolean> {
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

  /** The activities of the worker holding the checkout. */
  own(): LoopActivities {
    return proxyActivities<AgentLoopActivities>(
      ownQueueOptions(this.queue, this.workspace.workerTimeoutSeconds, '10 minutes'),
    );
  }

  /** A checkout on some workspace worker, new or (with `recover`) continuing the task's branch. */
  private prepareCheckout(summary: string, recover?: { pendingStepId?: string }, fromBase?: boolean) {
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
        ...(fromBase ? { fromBase } : {}),
      },
    ]);
  }
}
