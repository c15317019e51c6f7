import type { Command } from 'commander';
import { finishRun, retryTasks } from '../../client';
import { MAX_REVIEW_ROUNDS } from '../../domain/limits';
import { MAX_RETRY_FEEDBACK_CHARS } from '../../domain/task-failures';
import { UserError } from '../../infra/errors';
import { cliName } from '../cli-name';
import { parsePositiveInt, parsePositiveNumber, parseRunIdArgument } from '../inputs';
import { clientFor, connectionOptions } from '../options';
import type { ConnectionFlags } from '../options';
import { decider, reportDecision } from './approval-commands';

/** retry, finish: what a person does with a run that holds for its failed tasks. */
export function registerTaskFailureCommands(program: Command): void {
  connectionOptions(
    program
      .command('retry')
      .description('run failed tasks again, with the dependents skipped because of them')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('[taskIds...]', 'failed tasks (a skipped task brings the failed ones it waited for)'),
  )
    .option('--all-failed', 'retry every failed task of the run')
    .option('--feedback <text>', "your word for the tasks' next round, shown beside the reviewer's last")
    .option(
      '--credits <n>',
      "credits to approve for the retry (added to the run's pool)",
      parsePositiveNumber('--credits'),
    )
    .option('--rounds <n>', "review rounds of the new attempt (default: the run's)", parsePositiveInt('--rounds'))
    .option('--from-base', "acting tasks: start again from the run's base, not from where the last attempt left")
    .option('--by <name>', 'who decides (default: identity.name in planwright.config.json, else $USER)')
    .action(
      async (
        runId: string,
        taskIds: string[],
        flags: ConnectionFlags & {
          allFailed?: boolean;
          feedback?: string;
          credits?: number;
          rounds?: number;
          fromBase?: boolean;
          by?: string;
        },
      ) => {
        if (taskIds.length === 0 && !flags.allFailed) {
          throw new UserError(`name the tasks to retry (\`${cliName()} retry ${runId} TASK…\`) or pass --all-failed`);
        }
        if (flags.feedback !== undefined && flags.feedback.length > MAX_RETRY_FEEDBACK_CHARS) {
          throw new UserError(`--feedback is ${flags.feedback.length} characters; at most ${MAX_RETRY_FEEDBACK_CHARS}`);
        }
        if (flags.rounds !== undefined && flags.rounds > MAX_REVIEW_ROUNDS) {
          throw new UserError(`--rounds must be at most ${MAX_REVIEW_ROUNDS}, got ${flags.rounds}`);
        }
        const { client } = await clientFor(flags);
        const delivered = await retryTasks(client, runId, {
          taskIds,
          allFailed: flags.allFailed ?? false,
          fromBase: flags.fromBase ?? false,
          ...(flags.feedback ? { feedback: flags.feedback } : {}),
          ...(flags.credits !== undefined ? { credits: flags.credits } : {}),
          ...(flags.rounds !== undefined ? { rounds: flags.rounds } : {}),
          ...decider(flags.by),
        });
        reportDecision(delivered, 'retry', runId, (a) => `Retrying ${a.taskIds.join(', ')} in ${runId}.`);
      },
    );

  connectionOptions(
    program
      .command('finish')
      .description('end a run that holds for its failed tasks, with what it has (it ends partial)')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument),
  )
    .option('--reason <text>', 'why (recorded in the report)')
    .option('--by <name>', 'who decides (default: identity.name in planwright.config.json, else $USER)')
    .action(async (runId: string, flags: ConnectionFlags & { reason?: string; by?: string }) => {
      const { client } = await clientFor(flags);
      const delivered = await finishRun(client, runId, {
        ...(flags.reason ? { reason: flags.reason } : {}),
        ...decider(flags.by),
      });
      reportDecision(delivered, 'finish', runId, () => `Finishing ${runId} with what it has.`);
    });
}
