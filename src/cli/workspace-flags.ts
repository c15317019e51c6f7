import type { Command } from 'commander';
import { parseGlob } from '../domain/globs';
import type { RunWorkspaceInput } from '../domain/run-workspace';
import { checkRepoLocation } from '../domain/workspace';
import { parseCommandLine } from '../domain/workspace-policy';
import { UserError } from '../infra/errors';
import { parsePositiveInt } from './inputs';
import { collect } from './options';

/** The flags of `run` that give a run a git workspace, where agents act with tools. */
export function workspaceOptions(cmd: Command): Command {
  cmd
    .option(
      '--repo <path|url>',
      'the git repository agents work on (Planwright writes only planwright/<runId>/… branches)',
    )
    .option('--base <ref>', 'branch, tag or commit tasks start from (default: the repository HEAD)')
    .option('--workspace', 'give the run a new git repository of its own (implied by --repo)')
    .option(
      '--setup <command>',
      'run before agents start, with network, on the run\'s base, e.g. "npm ci" (repeatable; products never committed)',
      collect,
    );
  return policyOptions(cmd)
    .option('--max-steps <n>', 'most tool calls per implementation round (default 40)', parsePositiveInt('--max-steps'))
    .option(
      '--max-tool-calls <n>',
      'most tool calls all tasks of the run may make together (default: no limit)',
      parsePositiveInt('--max-tool-calls'),
    )
    .option(
      '--max-task-tool-calls <n>',
      'most tool calls one task may make over all its rounds (default: no limit but the rounds)',
      parsePositiveInt('--max-task-tool-calls'),
    );
}

/** The flags that set what agents may run and write: `run` and `plan` (which checks a plan file against them). */
export function policyOptions(cmd: Command): Command {
  return cmd
    .option('--verify <command>', 'a check every task must pass before review, e.g. "npm test" (repeatable)', collect)
    .option(
      '--command <command>',
      'a command agents may run, with any arguments (repeatable; --verify adds its own)',
      collect,
    )
    .option(
      '--allow <glob>',
      'paths agents may write, e.g. "src/**" (repeatable; default: everything but .git)',
      collect,
    );
}

export interface WorkspaceFlags {
  repo?: string;
  base?: string;
  workspace?: boolean;
  verify?: string[];
  command?: string[];
  allow?: string[];
  setup?: string[];
  maxSteps?: number;
  maxToolCalls?: number;
  maxTaskToolCalls?: number;
}

/** The run's `workspace` input from its flags; undefined when the run answers in text only. */
export function workspaceInputFrom(flags: WorkspaceFlags): Partial<RunWorkspaceInput> | undefined {
  const wanted =
    flags.repo ||
    flags.workspace ||
    flags.verify ||
    flags.command ||
    flags.allow ||
    flags.setup ||
    flags.maxSteps ||
    flags.maxToolCalls ||
    flags.maxTaskToolCalls;
  if (!wanted) return undefined;
  if (flags.base && !flags.repo) throw new UserError('--base needs --repo: a new repository has only its first commit');
  checkEach('--repo', flags.repo ? [flags.repo] : [], checkRepoLocation);
  checkEach('--verify', flags.verify, commandProblem);
  checkEach('--command', flags.command, commandProblem);
  checkEach('--allow', flags.allow, globProblem);
  const verify = flags.verify ?? [];
  return {
    ...(flags.repo ? { repo: flags.repo } : {}),
    ...(flags.base ? { base: flags.base } : {}),
    ...(flags.setup ? { setup: flags.setup } : {}),
    policy: {
      // A verify command the user names is one they allow.
      commands: [...new Set([...(flags.command ?? []), ...verify])],
      verify,
      ...(flags.allow ? { allowPaths: flags.allow } : {}),
      ...(flags.maxSteps ? { maxStepsPerRound: flags.maxSteps } : {}),
      ...(flags.maxToolCalls ? { maxToolCallsPerRun: flags.maxToolCalls } : {}),
      ...(flags.maxTaskToolCalls ? { maxToolCallsPerTask: flags.maxTaskToolCalls } : {}),
    } as RunWorkspaceInput['policy'],
  };
}

/** The first bad value of a repeatable flag, as one line naming the flag, the value and what is wrong. */
function checkEach(
  flag: string,
  values: readonly string[] | undefined,
  problem: (value: string) => string | undefined,
) {
  for (const value of values ?? []) {
    const reason = problem(value);
    if (reason) throw new UserError(`${flag} ${JSON.stringify(value)}: ${reason}`);
  }
}

function commandProblem(command: string): string | undefined {
  const parsed = parseCommandLine(command);
  return parsed.ok ? undefined : `${parsed.reason} (a command is one program and its arguments, without a shell)`;
}

function globProblem(glob: string): string | undefined {
  const parsed = parseGlob(glob);
  return parsed.ok ? undefined : `is not a valid glob: ${parsed.reason}`;
}
