import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import type { GoalInputJson, RunView } from '../../src/domain/run';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from '../../src/infra/data-converter';
import type { Simulator } from '../../src/simulator/server';
import { createPlanwrightWorker } from '../../src/worker';
import { simSettings, uniqueId } from './temporal';

/** A workflow bundle whose failures are encoded: what a worker with encryption on must run. */
export function encryptingBundle(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * Runs one goal to its end with `converter` on both sides (a worker against `sim`, and a client), the way a fleet
 * with encryption on does. The worker stops when the run ends.
 */
export async function runWithConverter(
  env: TestWorkflowEnvironment,
  sim: Simulator,
  converter: DataConverter,
  input: GoalInputJson,
  bundle?: WorkflowBundle,
): Promise<{ runId: string; view: RunView; bundle: WorkflowBundle }> {
  const taskQueue = uniqueId('tq');
  const workflowBundle = bundle ?? (await encryptingBundle());
  const worker = await createPlanwrightWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    settings: simSettings(sim),
    dataConverter: converter,
    workflowBundle,
    shutdownGraceTime: '1 second',
    workspace: false,
  });
  const client = new Client({
    connection: env.connection,
    namespace: env.namespace ?? 'default',
    dataConverter: converter,
  });
  const runId = uniqueId('run');
  const view: RunView = await worker.runUntil(
    client.workflow.execute('goalWorkflow', { taskQueue, workflowId: runId, args: [input] }),
  );
  return { runId, view, bundle: workflowBundle };
}
