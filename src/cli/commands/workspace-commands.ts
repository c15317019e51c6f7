import type { Command } from 'commander';
import { checkoutWork, diffWork, workRange } from '../../client';
import { parseRunIdArgument } from '../inputs';
import { clientFor, connectionOptions, out, type ConnectionFlags } from '../options';

/** diff, checkout: what a run with a workspace changed, read from its repository with the user's own git. */
export function registerWorkspaceCommands(program: Command): void {
  connectionOptions(
    program
      .command('diff')
      .description("print what a run changed (its verified result), or one task's work")
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('[taskId]', 'one task of the run'),
  )
    .option('--stat', 'list the files changed with line counts instead of the diff')
    .action(async (runId: string, taskId: string | undefined, flags: ConnectionFlags & { stat?: boolean }) => {
      const { client } = await clientFor(flags);
      const range = await workRange(client, runId, taskId);
      console.error(
        `${range.label}: ${range.branch} in ${range.remote} (${range.from.slice(0, 10)}..${range.to.slice(0, 10)})`,
      );
      out(await diffWork(range, { stat: flags.stat ?? false }));
    });

  connectionOptions(
    program
      .command('checkout')
      .description("clone a run's verified result (or one task's branch) into a new directory")
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<dir>', 'a directory that does not exist yet')
      .option('--task <taskId>', "one task's branch instead of the run's result"),
  ).action(async (runId: string, dir: string, flags: ConnectionFlags & { task?: string }) => {
    const { client } = await clientFor(flags);
    const range = await workRange(client, runId, flags.task);
    await checkoutWork(range, dir);
    out(`${dir}: ${range.label} of ${runId} (branch ${range.branch})`);
  });
}
