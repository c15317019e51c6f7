import { z } from 'zod';
import { parseGlob } from './globs';
import {
  MAX_COMMAND_TIMEOUT_SECONDS,
  MAX_POLICY_ENTRIES,
  MAX_STEPS_PER_ROUND,
  MAX_TOOL_CALLS,
  MAX_TOOL_OUTPUT_CHARS,
} from './limits';
import { TOOL_NAMES } from './tools';
import { parseCommandLine, verifyProblem } from './workspace-policy';

/**
 * The schemas of a run's workspace policy (the rules are in ./workspace-policy.ts). Strict objects: a misspelt
 * field of an override must fail, not vanish, or a narrowing meant for a task would silently not apply. Globs and
 * command lines are checked here, so an invalid one is refused when the policy is parsed, with its text in the
 * message.
 */

/** A list of at most MAX_POLICY_ENTRIES strings, each checked by `problem`. */
const checkedList = (problem: (item: string) => string | undefined) =>
  z
    .array(z.string())
    .max(MAX_POLICY_ENTRIES)
    .superRefine((items, ctx) => {
      items.forEach((item, i) => {
        const message = problem(item);
        if (message) ctx.addIssue({ code: 'custom', path: [i], message });
      });
    });

const globProblem = (glob: string) => {
  const parsed = parseGlob(glob);
  return parsed.ok ? undefined : `"${glob}" is not a valid glob: ${parsed.reason}`;
};
const commandProblem = (command: string) => {
  const parsed = parseCommandLine(command);
  return parsed.ok ? undefined : `"${command}" is not a command line a policy can hold: ${parsed.reason}`;
};

const fields = {
  tools: z
    .array(z.enum(TOOL_NAMES))
    .max(TOOL_NAMES.length)
    .describe('Tools agents may use; finish is always available, so an agent can end'),
  commands: checkedList(commandProblem).describe(
    'Command allowlist: a command may run when its words start with all the words of an entry ("npm test" allows "npm test -- --grep x", not "npm run build")',
  ),
  allowPaths: checkedList(globProblem).describe(
    'Globs of the paths agents may write, relative to the workspace root (src/**, docs/*.md); .git is never writable',
  ),
  verify: checkedList(commandProblem).describe(
    "Commands that check a task's work; each must be allowed by commands, and a task can add checks but never drop one",
  ),
  maxStepsPerRound: z
    .number()
    .int()
    .min(1)
    .max(MAX_STEPS_PER_ROUND)
    .describe('Most tool calls an agent may make in one implementation round'),
  maxOutputChars: z
    .number()
    .int()
    .min(1000)
    .max(MAX_TOOL_OUTPUT_CHARS)
    .describe('Most characters of one tool result the model sees; longer output is cut in the middle'),
  commandTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_COMMAND_TIMEOUT_SECONDS)
    .describe('Longest one command may run before it is stopped, in seconds'),
  maxToolCallsPerTask: z
    .number()
    .int()
    .min(1)
    .max(MAX_TOOL_CALLS)
    .optional()
    .describe(
      'Most tool calls (finish not counted) one task may make over all its rounds; unset: no limit but the rounds',
    ),
};

/** Limits of the whole run: a plan's task cannot override them. */
const runFields = {
  maxToolCallsPerRun: z
    .number()
    .int()
    .min(1)
    .max(MAX_TOOL_CALLS)
    .optional()
    .describe('Most tool calls (finish not counted) all tasks of the run may make together; unset: no run-wide limit'),
};

/**
 * A run's workspace policy: fixed when the run starts (the intersection of the user's flags and the worker's
 * ceiling) and recorded in its history. Missing fields take the defaults: every tool, writes anywhere but .git, no
 * commands, 40 steps per round, 12,000 characters per tool result, 300 s per command, no tool-call limits but those.
 */
export const WorkspacePolicy = z
  .strictObject({
    tools: fields.tools.default(() => [...TOOL_NAMES]),
    commands: fields.commands.default(() => []),
    allowPaths: fields.allowPaths.default(() => ['**']),
    verify: fields.verify.default(() => []),
    maxStepsPerRound: fields.maxStepsPerRound.default(40),
    maxOutputChars: fields.maxOutputChars.default(12000),
    commandTimeoutSeconds: fields.commandTimeoutSeconds.default(300),
    maxToolCallsPerTask: fields.maxToolCallsPerTask,
    maxToolCallsPerRun: runFields.maxToolCallsPerRun,
  })
  .superRefine((policy, ctx) => {
    policy.verify.forEach((command, i) => {
      const message = verifyProblem(policy, command);
      if (message) ctx.addIssue({ code: 'custom', path: ['verify', i], message });
    });
  });
export type WorkspacePolicy = z.infer<typeof WorkspacePolicy>;
/** A workspace policy as a person or a tool writes it, before defaults are applied. */
export type WorkspacePolicyInput = z.input<typeof WorkspacePolicy>;

/**
 * What a plan's task or a raw workflow start may set to narrow the run's policy (narrowPolicy checks that it only
 * narrows). Absent fields keep the run's values; verify commands are added to the run's.
 */
export const WorkspacePolicyOverrides = z.strictObject(fields).partial();
export type WorkspacePolicyOverrides = z.infer<typeof WorkspacePolicyOverrides>;

/** The policy of a run whose user set nothing (see WorkspacePolicy for the defaults). */
export function defaultWorkspacePolicy(): WorkspacePolicy {
  return WorkspacePolicy.parse({});
}
