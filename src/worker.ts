import { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type OpenAI from 'openai';
import { createActivities, createModelClient } from './activities';
import { createAgentLoopActivities } from './activities/agent-loop';
import { workspaceContext } from './activities/agent-loop/worker-context';
import { createOpenAIClient, endpointOf } from './activities/model/client';
import {
  DEFAULT_TASK_QUEUE,
  loadConfigFile,
  loadModelSettings,
  resolveWorkspaceConfig,
  workerSettingsFromEnv,
  type ModelSettings,
  type WorkspaceWorkerConfig,
} from './config';
import { workspaceQueueOf } from './domain/run-workspace';
import { connectionFailure, resolveTemporalTarget, type TemporalTarget } from './infra/connection';
import { dataConverter, resolveDataConverter } from './infra/data-converter';
import { UserError } from './infra/errors';
import { ensureSearchAttributes, SearchAttributesNotRegisteredError } from './infra/search-attributes';
import { installMetricsExport } from './infra/telemetry';
import { WorkerGroup } from './infra/worker-group';

/** The longest the SDK may hold an activity's heartbeat before sending it (see the in-flight marker of model calls). */
export const HEARTBEAT_THROTTLE = '1 second';

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
  /** The data converter; default: the process's own (src/infra/data-converter.ts), from its environment. */
  dataConverter?: DataConverter;
  /** A prebuilt workflow bundle (tests build it once per suite); default: bundle src/workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Workspace work (agents that act): where checkouts live and this worker's limits; default from the config file and
   * the environment. `false`: this worker takes none.
   */
  workspace?: WorkspaceWorkerConfig | false;
}

export async function createPlanwrightWorker(options: PlanwrightWorkerOptions): Promise<WorkerGroup> {
  const loaded = options.settings ?? loadModelSettings();
  // --max-model-calls-per-second paces this worker's requests too (see ./activities/model/pacer.ts).
  const settings =
    options.maxModelCallsPerSecond !== undefined
      ? { ...loaded, provider: { ...loaded.provider, requestsPerSecond: options.maxModelCallsPerSecond } }
      : loaded;
  const openai = options.openai ?? createOpenAIClient(settings);
  const model = createModelClient({ openai, settings, meter: Runtime.instance().metricMeter });
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter ?? dataConverter,
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    // Each model request marks itself in flight with a heartbeat before it leaves, so that a worker killed mid-request
    // leaves its reservation to be charged; the SDK would otherwise hold all but the first for up to 24 s.
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  };
  // Checked before any worker holds the connection: a bad MCP server stops the start with nothing to undo.
  const workspace =
    options.workspace === false
      ? undefined
      : await workspaceContext(options.workspace ?? workspaceConfigFromFile(), model, taskQueue);
  const main = await Worker.create({
    ...common,
    taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ openai, settings, model }),
    // The server-side limit holds the average across every worker of the queue; the pacer holds every second.
    ...(options.maxModelCallsPerSecond !== undefined
      ? { maxTaskQueueActivitiesPerSecond: options.maxModelCallsPerSecond }
      : {}),
    ...(options.maxConcurrentModelCalls !== undefined
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentModelCalls }
      : {}),
  });
  if (!workspace) return new WorkerGroup([main]);
  const activities = createAgentLoopActivities(workspace);
  const shared = await Worker.create({ ...common, taskQueue: workspaceQueueOf(taskQueue), activities });
  const own = await Worker.create({ ...common, taskQueue: workspace.ownQueue, activities });
  // MCP servers the worker started stop with it.
  return new WorkerGroup([main, shared, own], workspace.ownQueue, () => workspace.mcp?.pool.closeAll());
}

/** Workspace settings and MCP servers from planwright.config.json and the environment. */
function workspaceConfigFromFile(): WorkspaceWorkerConfig {
  const file = loadConfigFile();
  return { ...resolveWorkspaceConfig(file.workspace), mcpServers: file.mcpServers };
}

/**
 * Connects to the server (env-config conventions) and registers missing search attributes. A server that will not
 * have them registered by this worker gets a warning with the commands to run, and the worker goes on: runs wait at
 * their first step until someone registers them, then continue without a restart (exiting would only add a restart
 * loop, and would stop workers whose credentials may not list attributes that are in fact registered).
 */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  let client: Connection;
  try {
    client = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5 seconds' } as never);
  } catch (err) {
    throw connectionFailure(target, err);
  }
  try {
    const added = await ensureSearchAttributes(client, target.namespace);
    if (added.length > 0) console.error(`planwright: registered search attributes ${added.join(', ')}`);
  } catch (err) {
    if (!(err instanceof SearchAttributesNotRegisteredError)) throw connectionFailure(target, err);
    console.error(`planwright: warning: ${err.message}`);
  } finally {
    await client.close();
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
  // A bad encryption key setting is reported before anything connects.
  resolveDataConverter();
  const connection = await connectWorker(target);
  const worker = await createPlanwrightWorker({ connection, namespace: target.namespace, settings, ...options });
  console.error(
    `planwright worker: task queue "${options.taskQueue ?? DEFAULT_TASK_QUEUE}" on ${target.address}/${target.namespace}, ` +
      `models via ${endpointOf(settings)}`,
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
