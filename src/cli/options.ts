import type { Command } from 'commander';
import { ConfigError, DEFAULT_TASK_QUEUE, DEFAULT_WEB_UI_URL, resolveWebUiUrl } from '../config';
import type { GoalInputJson } from '../domain/run';
import { connectClient, resolveTemporalTarget } from '../infra/connection';
import { UserError } from '../infra/errors';
import { parsePositiveInt, parsePositiveNumber, readPlanFile } from './inputs';

/** Flags and helpers shared by the CLI's commands. */

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue: string;
}

/**
 * The Web UI that printed links point at (PLANWRIGHT_UI_URL, then `temporal.webUiUrl` in planwright.config.json).
 * A link is printed after the command has acted (a run started), so a bad setting is a warning here, not a failure.
 */
export function uiBase(): string {
  try {
    return resolveWebUiUrl();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`planwright: warning: ${err.message}\n(Web UI links use ${DEFAULT_WEB_UI_URL} until this is fixed)`);
    return DEFAULT_WEB_UI_URL;
  }
}

export const out = (line = '') => console.log(line);

export function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal server (default: TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or "default")')
    .option(
      '--task-queue <name>',
      'task queue of the workers',
      process.env.PLANWRIGHT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    );
}

export async function clientFor(flags: ConnectionFlags) {
  const target = resolveTemporalTarget({
    ...(flags.address ? { address: flags.address } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  });
  return { client: await connectClient(target), target };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Options shared by `run` and `plan`: what the run will be asked to do. */
export function goalOptions(cmd: Command): Command {
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

export interface GoalFlags {
  plan?: string;
  constraints?: string[];
  budget: number;
  maxConcurrency: number;
  maxReviewRounds: number;
}

export function goalInputFrom(
  goal: string | undefined,
  flags: GoalFlags,
  extra: Partial<GoalInputJson> = {},
): GoalInputJson {
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
