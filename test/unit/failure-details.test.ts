import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import type { OpenAI } from 'openai';
import { implementTask } from '../../src/activities/agents';
import type { ModelClient } from '../../src/activities/model/structured-call';
import { UNKNOWN_AGENT_TYPE } from '../../src/domain/errors';
import {
  outcomeFromFailureCause,
  readSpendDetails,
  readTaskOutcomeDetails,
  spendDetails,
  taskOutcomeDetails,
} from '../../src/domain/failure-details';
import type { TaskOutcome } from '../../src/domain/run';
import { taskOutputRef } from '../../src/domain/task-address';

const activityFailure = (cause: Error) =>
  new ActivityFailure('failed', 'implementTask', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, undefined, cause);

const outcome: TaskOutcome = {
  taskId: 'api',
  status: 'failed',
  summary: '',
  error: 'review failed',
  failureType: 'Planwright.Task.ReviewFailed',
  reviewRounds: 3,
  modelCalls: 6,
  spentMillicredits: 4200,
  grantedMillicredits: 0,
  outputRef: taskOutputRef('run', 'api'),
};

describe('failure details', () => {
  it('carries the spend of a failed activity to the task, through the activity failure', () => {
    const failure = ApplicationFailure.create({
      type: 'Planwright.Model.ServerError',
      message: 'boom',
      details: spendDetails({ spentMillicredits: 120, calls: [] }),
    });
    assert.deepEqual(readSpendDetails(activityFailure(failure)), { spentMillicredits: 120, calls: [] });
    assert.deepEqual(readSpendDetails(failure), { spentMillicredits: 120, calls: [] });
  });

  it('reads no spend from failures that carry none or carry something else', () => {
    assert.equal(readSpendDetails(activityFailure(ApplicationFailure.create({ message: 'x' }))), undefined);
    assert.equal(readSpendDetails(ApplicationFailure.create({ message: 'x', details: [['plan error']] })), undefined);
    assert.equal(
      readSpendDetails(ApplicationFailure.create({ message: 'x', details: [{ spentMillicredits: -1 }] })),
      undefined,
    );
    assert.equal(readSpendDetails(new Error('plain')), undefined);
  });

  it("reads a task's outcome from its failure only for that task", () => {
    const failure = ApplicationFailure.create({
      message: 'x',
      nonRetryable: true,
      details: taskOutcomeDetails(outcome),
    });
    assert.deepEqual(readTaskOutcomeDetails(failure, 'api'), outcome);
    assert.equal(readTaskOutcomeDetails(failure, 'other'), undefined);
  });

  it('accepts an outcome recorded before output references had a kind', () => {
    const legacy = { ...outcome, outputRef: 'run/api' };
    const failure = ApplicationFailure.create({ message: 'x', details: [legacy] });
    assert.deepEqual(readTaskOutcomeDetails(failure, 'api')?.outputRef, taskOutputRef('run', 'api'));
  });

  it('builds an outcome from a failure that carries none: cancelled, or failed with its type', () => {
    const ref = taskOutputRef('run', 'api');
    assert.equal(outcomeFromFailureCause('api', new CancelledFailure('cancelled'), ref).status, 'cancelled');
    const failed = outcomeFromFailureCause('api', ApplicationFailure.create({ type: 'T', message: 'm' }), ref);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failureType, 'T');
    assert.equal(failed.spentMillicredits, 0);
  });
});

describe('an unknown agent type', () => {
  it('is a non-retryable configuration error, raised before any model call', async () => {
    const model = { openai: {} as OpenAI, settings: { customAgents: [] } } as unknown as ModelClient;
    const task = {
      id: 't',
      title: 'T',
      description: '',
      deps: [],
      agentType: 'nope',
      effort: 1,
      acceptanceCriteria: ['x'],
    };
    await assert.rejects(
      implementTask(model, { goal: 'g', task: task as never, dependencies: [], round: 1, availableMillicredits: 1000 }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === UNKNOWN_AGENT_TYPE &&
        err.nonRetryable === true &&
        /unknown agent type "nope".*customAgents/.test(err.message),
    );
  });
});
