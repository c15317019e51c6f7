import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import {
  ensureWorkerPolling,
  followRun,
  getRunView,
  newRunId,
  noWorkspaceWorkerWarning,
  workspacePollers,
  readRunDetails,
  readTaskOutput,
  startRun,
  taskOutputRef,
  TaskActedError,
  checkWorkspaceInput,
} from '../../client';
import type { GoalInputJson, RunView } from '../../domain/run';
import { OnTaskFailure } from '../../domain/task-failures';
import { EXIT, UserError } from '../../infra/errors';
import { writeArtifacts } from '../artifacts';
import { cliName } from '../cli-name';
import { progressLine, runReport, webUiLink } from '../format';
import {
  checkGoalInput,
  checkPlanFitsPolicy,
  parseApprovers,
  parseNonNegativeNumber,
  parsePositiveNumber,
  parseRunId,
  parseRunIdArgument,
} from '../inputs';
import {
  clientFor,
  collect,
  connectionOptions,
  goalInputFrom,
  goalOptions,
  out,
  uiBase,
  type ConnectionFlags,
  type GoalFlags,
} from '../options';
import { openProgressLog } from '../progress-log';
import { workspaceInputFrom, workspaceOptions, type WorkspaceFlags } from '../workspace-flags';

/** `--on-task-failure`: one of the policies, or the error that lists them. */
function parseOnTaskFailure(value: string): OnTaskFailure {
  const parsed = OnTaskFailure.safeParse(value);
  if (!parsed.success) throw new UserError(`--on-task-failure must be hold, finish or stop, got "${value}"`);
  return parsed.data;
}

/** run, status, cancel, output: starting runs and reading them. */
export function registerRunCommands(program: Command): void {
  connectionOptions(
    workspaceOptions(
      goalOptions(
        program
          .command('run')
          .description('start a run from a goal (the planner writes the plan) or from --plan FILE')
          .argument('[goal]', 'what the run should achieve'),
      ),
    ),
  )
    .option(
      '--fail-fast',
      'stop starting tasks at the first failure and cancel the running ones (--on-task-failure stop)',
    )
    .option(
      '--on-task-failure <policy>',
      'hold: the rest goes on, then the run waits for `retry` or `finish` (default without --wait); finish: dependents are skipped, the run ends (default with --wait); stop: as --fail-fast',
      parseOnTaskFailure,
    )
    .option(
      '--hold-timeout <seconds>',
      'a holding run finishes with what it has after this long (default 7 days)',
      parsePositiveNumber('--hold-timeout'),
    )
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
    .option('--id <runId>', 'workflow id of the run, without "/" (default: pw-<time>-<random>)', parseRunId)
    .option(
      '--approver <name[=credits]>',
      'who may approve or deny credits (repeatable; "group:NAME" for a group; =N caps one approval at N credits)',
      collect,
    )
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .option('--events <file>', 'with --wait: write every progress event to <file> as JSON Lines')
    .option('--json', 'print the final report as JSON (with --wait)')
    .action(
      async (
        goal: string | undefined,
        flags: GoalFlags &
          ConnectionFlags &
          WorkspaceFlags & {
            failFast?: boolean;
            onTaskFailure?: OnTaskFailure;
            holdTimeout?: number;
            autoApprove?: number;
            approvalTimeout?: number;
            approver?: string[];
            id?: string;
            wait?: boolean;
            events?: string;
            json?: boolean;
          },
      ) => {
        if (flags.events && !flags.wait)
          throw new UserError(
            '--events needs --wait (or follow the run with `planwright watch <runId> --events FILE`)',
          );
        if (flags.failFast && flags.onTaskFailure && flags.onTaskFailure !== 'stop') {
          throw new UserError(`--fail-fast means --on-task-failure stop, not ${flags.onTaskFailure}: pass one of them`);
        }
        // Written on every run, so a worker never guesses: CI jobs (--wait) never hang on a hold.
        const onTaskFailure = flags.onTaskFailure ?? (flags.failFast ? 'stop' : flags.wait ? 'finish' : 'hold');
        const input = checkGoalInput(
          goalInputFrom(goal, flags, {
            failFast: onTaskFailure === 'stop',
            onTaskFailure,
            ...(flags.holdTimeout !== undefined ? { holdTimeoutSeconds: flags.holdTimeout } : {}),
            ...(flags.autoApprove !== undefined ? { autoApproveCredits: flags.autoApprove } : {}),
            ...(flags.approvalTimeout !== undefined ? { approvalTimeoutSeconds: flags.approvalTimeout } : {}),
            ...(flags.approver ? { approvers: parseApprovers(flags.approver) } : {}),
            ...workspaceField(flags),
          }),
        );
        checkPlanFitsPolicy(input.plan, input.workspace?.policy);
        if (input.workspace) await checkWorkspaceInput(input.workspace);
        const { client, target } = await clientFor(flags);
        if (flags.wait) await ensureWorkerPolling(client, target.namespace, flags.taskQueue);
        if (input.workspace && (await workspacePollers(client, target.namespace, flags.taskQueue)) === 0) {
          console.error(`planwright: warning: ${noWorkspaceWorkerWarning(flags.taskQueue)}`);
        }
        const runId = flags.id ?? newRunId();
        await startRun(client, input, { taskQueue: flags.taskQueue, workflowId: runId });
        const link = webUiLink(uiBase(), target.namespace, runId);
        if (!flags.wait) {
          out(runId);
          console.error(`Started run ${runId}. Follow it: ${cliName()} status ${runId} · Web UI: ${link}`);
          return;
        }
        console.error(`Started run ${runId} · Web UI: ${link}`);
        const view = await follow(client, runId, flags.events);
        out(flags.json ? JSON.stringify(view, null, 2) : runReport(view, link));
        if (view.status !== 'succeeded') process.exitCode = EXIT.runNotSucceeded;
      },
    );

  connectionOptions(
    program
      .command('watch')
      .description('follow a run to its end, printing each task as it starts and ends; exit 1 unless it succeeded')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument),
  )
    .option('--events <file>', 'write every progress event to <file> as JSON Lines (from the start of the run)')
    .option('--json', 'print the final report as JSON')
    .action(async (runId: string, flags: ConnectionFlags & { events?: string; json?: boolean }) => {
      const { client, target } = await clientFor(flags);
      const view = await follow(client, runId, flags.events);
      out(flags.json ? JSON.stringify(view, null, 2) : runReport(view, webUiLink(uiBase(), target.namespace, runId)));
      if (view.status !== 'succeeded') process.exitCode = EXIT.runNotSucceeded;
    });

  connectionOptions(
    program
      .command('status')
      .description('show a run: tasks, credits, approvals')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument),
  )
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, flags: ConnectionFlags & { json?: boolean }) => {
      const { client, target } = await clientFor(flags);
      if (flags.json) {
        // Every run has JSON, one that failed before it planned included (a workspace that could not open): rebuilt
        // from its history with how it closed, and exit 1 as without --json.
        const details = await readRunDetails(client, runId, { webUiUrl: uiBase(), namespace: target.namespace });
        out(JSON.stringify(details.closedAs ? { ...details.view, closedAs: details.closedAs } : details.view, null, 2));
        if (details.closedAs) process.exitCode = 1;
        return;
      }
      const view = await getRunView(client, runId);
      out(runReport(view, webUiLink(uiBase(), target.namespace, runId)));
    });

  connectionOptions(
    program
      .command('cancel')
      .description('cancel a run; running tasks are cancelled, a report is kept')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument),
  ).action(async (runId: string, flags: ConnectionFlags) => {
    const { client } = await clientFor(flags);
    await client.workflow.getHandle(runId).cancel();
    out(`Cancellation requested for ${runId}.`);
  });

  connectionOptions(
    program
      .command('output')
      .description("print a task's full output (summary and artifacts), or write its artifacts to a folder")
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<taskId>'),
  )
    .option('--out <dir>', 'write each artifact to <dir>/<artifact name>')
    .option('--json', 'print the output as JSON')
    .action(async (runId: string, taskId: string, flags: ConnectionFlags & { out?: string; json?: boolean }) => {
      const { client } = await clientFor(flags);
      const output = await readTaskOutput(
        client,
        taskOutputRef(runId, taskId),
        `task "${taskId}" in run "${runId}"`,
      ).catch((err: unknown) => {
        if (!(err instanceof TaskActedError)) throw err;
        throw new UserError(`${err.message}. See it with: ${cliName()} diff ${runId} ${taskId}`);
      });
      if (flags.json) out(JSON.stringify(output, null, 2));
      else {
        out(output.summary);
        for (const a of output.artifacts) out(`\n--- ${a.name} (${a.kind})\n${a.content}`);
        if (output.notes) out(`\nNotes: ${output.notes}`);
      }
      if (flags.out) for (const file of writeArtifacts(output, flags.out)) console.error(`wrote ${file}`);
    });
}

/** Follows a run, printing progress to stderr and, with `eventsFile`, every event to a JSON Lines file. */
async function follow(client: Client, runId: string, eventsFile: string | undefined): Promise<RunView> {
  const log = eventsFile ? openProgressLog(eventsFile) : undefined;
  try {
    return await followRun(client, runId, (event) => {
      log?.write(event);
      console.error(progressLine(event));
    });
  } finally {
    log?.close();
  }
}

function workspaceField(flags: WorkspaceFlags): { workspace?: GoalInputJson['workspace'] } {
  const workspace = workspaceInputFrom(flags);
  return workspace ? { workspace: workspace as GoalInputJson['workspace'] } : {};
}
