import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type OpenAI from 'openai';
import { createActivities } from './activities';
import { createOpenAIClient } from './activities/model/client';
import { DEFAULT_TASK_QUEUE, loadModelSettings, workerSettingsFromEnv, type ModelSettings } from './config';
import { resolveTemporalTarget, unreachableMessage, shortReason, type TemporalTarget } from './infra/connection';
import { dataConverter } from './infra/data-converter';
import { UserError } from './infra/errors';
import { ensureSearchAttributes } from './infra/search-attributes';
import { installMetricsExport } from './infra/telemetry';

export interface PlanwrightWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** Model settings; default: loaded from planwright.config.json and the environment. */
  settings?: ModelSettings;
  /** OpenAI client; default: built from the settings. */
  openai?: OpenAI;
  /**
   * Server-side cap on activity starts per second across every worker of the task queue: the way to keep a whole
   * fleet under a provider's rate limit (e.g. 1 for 60 requests per minute).
   */
  maxModelCallsPerSecond?: number;
  /** Model calls one worker runs at once. */
  maxConcurrentModelCalls?: number;
  /** Time in-flight model calls get to finish on shutdown (default 30 s). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** A prebuilt workflow bundle (tests build it once per suite); default: bundle src/workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createPlanwrightWorker(options: PlanwrightWorkerOptions): Promise<Worker> {
  const loaded = options.settings ?? loadModelSettings();
  // --max-model-calls-per-second paces this worker's requests too (see ./activities/model/pacer.ts).
  const settings =
    options.maxModelCallsPerSecond !== undefined
      ? { ...loaded, provider: { ...loaded.provider, requestsPerSecond: options.maxModelCallsPerSecond } }
      : loaded;
  const openai = options.openai ?? createOpenAIClient(settings);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    dataConverter,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ openai, settings, meter: Runtime.instance().metricMeter }),
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    // The server-side limit holds the average across every worker of the queue; the pacer holds every second.
    ...(options.maxModelCallsPerSecond !== undefined
      ? { maxTaskQueueActivitiesPerSecond: options.maxModelCallsPerSecond }
      : {}),
    ...(options.maxConcurrentModelCalls !== undefined
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentModelCalls }
      : {}),
  });
}

/** Connects to the server (env-config conventions) and registers missing search attributes. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    const client = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5 seconds' } as never);
    try {
      const added = await ensureSearchAttributes(client, target.namespace);
      if (added.length > 0) console.error(`planwright: registered search attributes ${added.join(', ')}`);
    } finally {
      await client.close();
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(unreachableMessage(target.address, shortReason(err)), 3);
  }
  return NativeConnection.connect(target.connectionOptions);
}

export interface RunWorkerOptions {
  taskQueue?: string;
  maxModelCallsPerSecond?: number;
  maxConcurrentModelCalls?: number;
}

/** Runs a worker until SIGINT or SIGTERM, then lets in-flight model calls finish within the grace time. */
export async function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  const target = resolveTemporalTarget();
  const settings = loadModelSettings();
  const connection = await connectWorker(target);
  const worker = await createPlanwrightWorker({ connection, namespace: target.namespace, settings, ...options });
  console.error(
    `planwright worker: task queue "${options.taskQueue ?? DEFAULT_TASK_QUEUE}" on ${target.address}/${target.namespace}, ` +
      `models via ${settings.provider.baseURL ?? 'https://api.openai.com/v1'}`,
  );
  // Worker.run() installs SIGINT/SIGTERM handlers that start a graceful shutdown (shutdownGraceTime above).
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  Promise.resolve()
    .then(() => {
      installMetricsExport(workerSettingsFromEnv());
      return runWorker();
    })
    .catch((err: unknown) => {
      console.error(`planwright worker: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(err instanceof UserError ? err.exitCode : 1);
    });
}
