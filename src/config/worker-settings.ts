import { ConfigError } from './errors';

/** Default task queue of runs and workers. */
export const DEFAULT_TASK_QUEUE = 'planwright';

/** How one worker process runs: which queue it polls, how fast it calls models, where its metrics go. */
export interface WorkerSettings {
  /** Task queue to poll; default PLANWRIGHT_TASK_QUEUE or "planwright". */
  taskQueue: string;
  /** Server-side cap on model-call starts per second across every worker of the task queue; unset: no cap. */
  maxModelCallsPerSecond?: number;
  /** Model calls this worker runs at once; unset: the SDK default (100). */
  maxConcurrentModelCalls?: number;
  /** host:port to serve Prometheus metrics on (PLANWRIGHT_PROMETHEUS). */
  prometheus?: string;
  /** OpenTelemetry collector URL to push metrics to (PLANWRIGHT_OTLP). */
  otlp?: string;
}

/**
 * The worker's settings from the environment (as docker compose passes them); command-line flags override them.
 * PLANWRIGHT_TASK_QUEUE, PLANWRIGHT_PROMETHEUS and PLANWRIGHT_OTLP.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const taskQueue = env.PLANWRIGHT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  if (!taskQueue.trim()) throw new ConfigError('PLANWRIGHT_TASK_QUEUE is empty; unset it or name a task queue');
  return {
    taskQueue,
    ...(env.PLANWRIGHT_PROMETHEUS ? { prometheus: env.PLANWRIGHT_PROMETHEUS } : {}),
    ...(env.PLANWRIGHT_OTLP ? { otlp: env.PLANWRIGHT_OTLP } : {}),
  };
}
