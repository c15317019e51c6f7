import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT, UserError } from '../infra/errors';
import { projectRoot } from '../infra/paths';
import { registerApprovalCommands } from './commands/approval-commands';
import { registerCodecCommands } from './commands/codec-commands';
import { registerListCommand } from './commands/list-command';
import { registerLocalCommands } from './commands/local-commands';
import { registerPlanCommand } from './commands/plan-command';
import { registerRunCommands } from './commands/run-commands';
import { registerTaskFailureCommands } from './commands/task-failure-commands';
import { registerToolApprovalCommands } from './commands/tool-approval-commands';
import { registerUiCommand } from './commands/ui-command';
import { registerWorkspaceCommands } from './commands/workspace-commands';

/** The `planwright` command line: wiring only; each group of commands lives in ./commands. */
export function createProgram(): Command {
  const program = new Command('planwright')
    .description('Durable multi-agent LLM runs on Temporal: planned DAGs, review loops, hard credit budgets.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommands(program);
  registerWorkspaceCommands(program);
  registerListCommand(program);
  registerPlanCommand(program);
  registerApprovalCommands(program);
  registerToolApprovalCommands(program);
  registerTaskFailureCommands(program);
  registerUiCommand(program);
  registerLocalCommands(program);
  registerCodecCommands(program);
  return program;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
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
