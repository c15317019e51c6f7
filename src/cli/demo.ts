import { DefaultLogger, Runtime } from '@temporalio/worker';
import { followRun, newRunId, startRun } from '../client';
import { loadModelSettings, resolveWebUiUrl } from '../config';
import { connectClient, resolveTemporalTarget } from '../infra/connection';
import {
  defaultUiPort,
  isLoopbackHost,
  isPortOpen,
  splitTemporalAddress,
  startDevServer,
  type DevServer,
} from '../infra/dev-server';
import { EXIT, UserError } from '../infra/errors';
import { findTemporalBinary } from '../infra/temporal-binary';
import { demoScenario } from '../simulator/demo-scenario';
import { startSimulator, type Simulator } from '../simulator/server';
import { DEFAULT_UI_PORT } from '../ui/server';
import { connectWorker, createPlanwrightWorker } from '../worker';
import { cliName } from './cli-name';
import { progressLine, runReport, webUiLink } from './format';
import { checkGoalInput } from './inputs';

export const DEMO_GOAL =
  'Build a small command-line tool that converts CSV files to JSON, with tests and a README explaining its use';

export interface DemoOptions {
  goal?: string;
  /** The Web UI port of a dev server the demo starts; default 8233 beside 7233, else the server's port + 1000. */
  uiPort?: number;
  budget?: number;
  maxConcurrency?: number;
}

/**
 * The main job on embedded defaults: reuse or start a dev server, start a worker (and the simulator when no API key is
 * set), run a goal while printing progress, then print the report and the Web UI link. Returns the exit code.
 */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const say = (line: string) => console.log(line);
  const cleanups: (() => Promise<void>)[] = [];
  // The demo prints its own progress; the SDK's INFO lines would bury it, and its warning that the workspace queues'
  // workers poll no workflows (they are activity-only by design) says nothing to someone trying Planwright.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!entry.message.startsWith('No workflows registered')) console.error(`[${entry.level}] ${entry.message}`);
    }),
  });
  try {
    const target = resolveTemporalTarget();
    let server: DevServer | undefined;
    let uiBase = resolveWebUiUrl();
    const { host, port } = splitTemporalAddress(target.address);
    if (await isPortOpen(target.address)) {
      if (!(await isTemporalServer(target))) {
        throw new UserError(
          `${target.address} answers, but not as a Temporal server: stop what listens there, or move the demo to a ` +
            'free port: TEMPORAL_ADDRESS=127.0.0.1:17233 npm start (its Web UI then takes port 18233)',
        );
      }
      say(`Using the Temporal server at ${target.address}.`);
    } else if (!isLoopbackHost(host)) {
      throw new UserError(
        `cannot reach the Temporal server at ${target.address} (TEMPORAL_ADDRESS): start it, or unset TEMPORAL_ADDRESS ` +
          'and the demo starts a dev server of its own',
      );
    } else {
      const binary = findTemporalBinary({ log: say });
      const uiPort = options.uiPort ?? defaultUiPort(port);
      say(`Starting a Temporal dev server (${binary}) on port ${port} with its database in .planwright/ ...`);
      server = await startDevServer({ binary, port, uiPort });
      cleanups.push(() => server!.stop());
      uiBase = server.uiUrl;
      say(`Temporal dev server on ${server.address}, Web UI on ${server.uiUrl}.`);
    }

    const env = { ...process.env };
    let sim: Simulator | undefined;
    if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
      sim = await startSimulator({ scenario: demoScenario() });
      cleanups.push(() => sim!.close());
      env.OPENAI_BASE_URL = sim.url;
      say(`OPENAI_API_KEY is not set: using the Planwright simulator at ${sim.url} (no real model, no cost).`);
    }
    const settings = loadModelSettings(env);
    const taskQueue = `planwright-demo-${process.pid}`;
    const connection = await connectWorker(target);
    cleanups.push(() => connection.close());
    const worker = await createPlanwrightWorker({ connection, namespace: target.namespace, taskQueue, settings });
    const workerDone = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await workerDone;
    });
    // The demo's agents act in a git workspace: a worker that takes no workspace work (it said why just above) would
    // leave the run waiting for one forever.
    if (!worker.ownQueue) {
      throw new UserError(
        "the demo's agents work in a git workspace, and this machine's worker takes no workspace work (see the line " +
          'above): run `npx planwright setup` (it installs bubblewrap), or allow unsandboxed commands with ' +
          'PLANWRIGHT_UNSANDBOXED_COMMANDS=1 on a machine you do not mind agents changing',
        1,
      );
    }

    const client = await connectClient(target);
    cleanups.push(() => client.connection.close());
    const input = checkGoalInput({
      goal: options.goal ?? DEMO_GOAL,
      budgetCredits: options.budget ?? 100,
      maxConcurrency: options.maxConcurrency ?? 3,
      // The agents act: a fresh repository for the run, node's test runner as the check every task must pass.
      workspace: { policy: { commands: ['node --test'], verify: ['node --test'] } },
    });
    const runId = newRunId();
    await startRun(client, input, { taskQueue, workflowId: runId });
    say(`Started run ${runId}: "${input.goal}"`);
    const view = await followRun(client, runId, (event) => say(`[${event.at.slice(11, 19)}] ${progressLine(event)}`));
    say('');
    say(runReport(view, webUiLink(uiBase, target.namespace, runId)));
    if (server) {
      say('');
      say(
        'The dev server stops now; its history is kept. `' +
          (port === 7233 ? 'npm run server' : `npm run server -- --port ${port} --ui-port ${uiPortOf(server)}`) +
          '` brings it back with this run at the link above.',
      );
    }
    say(
      `Watch runs in the browser: ${cliName()} ui, then ` +
        `http://127.0.0.1:${DEFAULT_UI_PORT}/runs/${encodeURIComponent(runId)}`,
    );
    return view.status === 'succeeded' ? EXIT.ok : EXIT.runNotSucceeded;
  } finally {
    // Last started, first stopped: the worker goes before its connection, the server last.
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** True when a Temporal server answers at the target (something else may hold the port). */
async function isTemporalServer(target: ReturnType<typeof resolveTemporalTarget>): Promise<boolean> {
  try {
    const client = await connectClient(target);
    try {
      await client.connection.withDeadline(Date.now() + 3000, () => client.workflowService.getSystemInfo({}));
      return true;
    } finally {
      await client.connection.close();
    }
  } catch {
    return false;
  }
}

function uiPortOf(server: DevServer): string {
  return new URL(server.uiUrl).port;
}
