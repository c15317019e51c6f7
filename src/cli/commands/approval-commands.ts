import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import {
  approveBudget,
  denyBudget,
  listWaiting,
  pendingApprovalsOf,
  withSuggestions,
  type Delivered,
} from '../../client';
import { loadConfigFile } from '../../config';
import { formatCredits } from '../../domain/credits';
import { UserError } from '../../infra/errors';
import { cliName } from '../cli-name';
import { parsePositiveNumber, parseRunIdArgument } from '../inputs';
import { clientFor, connectionOptions, out, type ConnectionFlags } from '../options';

/** approve, deny, pending: the person in the loop. */
export function registerApprovalCommands(program: Command): void {
  connectionOptions(
    program
      .command('approve')
      .description('grant credits to a task waiting for approval')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<taskId>'),
  )
    .option(
      '--credits <n>',
      "credits to add (default: the suggestion `pending` shows, from the task's projected remaining work)",
      parsePositiveNumber('--credits'),
    )
    .option('--by <name>', 'who approves (default: identity.name in planwright.config.json, else $USER)')
    .option('--note <text>', 'why (recorded in the report)')
    .action(
      async (
        runId: string,
        taskId: string,
        flags: ConnectionFlags & { credits?: number; by?: string; note?: string },
      ) => {
        const { client } = await clientFor(flags);
        const credits = flags.credits ?? (await suggestedCredits(client, runId, taskId));
        const delivered = await approveBudget(client, runId, {
          taskId,
          credits,
          ...decider(flags.by),
          ...(flags.note ? { note: flags.note } : {}),
        });
        reportDecision(delivered, 'approval', runId, (a) => {
          return `Approved ${formatCredits(a.millicredits)} credits for ${taskId} in ${runId}.`;
        });
      },
    );

  connectionOptions(
    program
      .command('deny')
      .description('refuse credits to a waiting task; it fails')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<taskId>'),
  )
    .requiredOption('--reason <text>', 'why (becomes the task failure reason)')
    .option('--by <name>', 'who denies (default: identity.name in planwright.config.json, else $USER)')
    .action(async (runId: string, taskId: string, flags: ConnectionFlags & { reason: string; by?: string }) => {
      const { client } = await clientFor(flags);
      const delivered = await denyBudget(client, runId, { taskId, reason: flags.reason, ...decider(flags.by) });
      reportDecision(delivered, 'denial', runId, () => `Denied credits for ${taskId} in ${runId}.`);
    });

  connectionOptions(program.command('pending').description('list runs with tasks waiting for approval')).action(
    async (flags: ConnectionFlags) => {
      const { client } = await clientFor(flags);
      const { tasks, toolCalls, holding } = await listWaiting(client);
      for (const p of tasks) {
        out(`${p.runId}  ${p.taskId}  needs ${formatCredits(p.shortfallMillicredits)} credits  since ${p.since}`);
        if (p.suggestion) out(`    suggest --credits ${p.suggestion.credits}: ${p.suggestion.basis}`);
      }
      for (const c of toolCalls) {
        out(`${c.runId}  ${c.requestId}  calls ${c.server}.${c.tool} ${c.arguments}  since ${c.since}`);
      }
      for (const h of holding) {
        for (const f of h.hold.failed)
          out(`${h.runId}  ${f.taskId}  failed, the run holds  since ${h.hold.since}: ${f.error}`);
        out(
          `    retry: ${cliName()} retry ${h.runId} ${h.hold.failed.map((f) => f.taskId).join(' ')} · finish: ${cliName()} finish ${h.runId}`,
        );
      }
      if (tasks.length + toolCalls.length + holding.length === 0) out('Nothing is waiting for a person.');
    },
  );
}

/** The credits suggested for a waiting task (what `pending` and the browser view suggest), said on stdout. */
async function suggestedCredits(client: Client, runId: string, taskId: string): Promise<number> {
  const pending = await pendingApprovalsOf(client, runId);
  const waiting = pending.find((p) => p.taskId === taskId);
  if (!waiting) {
    const others = pending.map((p) => p.taskId).join(', ');
    throw new UserError(
      `task "${taskId}" of ${runId} is not waiting for approval (${others ? `waiting: ${others}` : 'nothing waits'}); ` +
        `see \`${cliName()} pending\``,
    );
  }
  const [suggested] = await withSuggestions(client, runId, [waiting]);
  const suggestion = suggested?.suggestion;
  if (!suggestion) throw new Error(`no suggestion was made for ${taskId}`);
  out(`Suggesting ${suggestion.credits} credits: ${suggestion.basis}.`);
  return suggestion.credits;
}

/** Who decides: --by, else the configured identity, else the OS user; the configured groups go along. */
export function decider(by: string | undefined): { by?: string; groups?: string[] } {
  const { identity } = loadConfigFile();
  const name = by ?? identity.name ?? process.env.USER;
  return { ...(name ? { by: name } : {}), ...(identity.groups?.length ? { groups: identity.groups } : {}) };
}

/**
 * Prints what became of a decision: the run's answer (a refusal is an error naming the run's reason), or, when no
 * worker answered in time, that it went as a durable signal the run applies once a worker runs.
 */
export function reportDecision<A extends { accepted: boolean; reason?: string; duplicate?: boolean }>(
  delivered: Delivered<A>,
  what: string,
  runId: string,
  done: (answer: A) => string,
): void {
  if (delivered.delivery === 'signalled') {
    out(
      `No worker answered within ${Math.round(delivered.waitedMs / 1000)} s, so the ${what} went as a signal ` +
        `(decision ${delivered.decisionId}). The server keeps it; the run applies it once a worker runs ` +
        `(\`${cliName()} worker\`). See \`${cliName()} status ${runId}\`.`,
    );
    return;
  }
  const answer = delivered as A;
  if (!answer.accepted) throw new UserError(`the run refused the ${what}: ${answer.reason}`);
  const repeat = answer.duplicate ? ` (decision ${delivered.decisionId} was already taken; nothing changed)` : '';
  out(`${done(answer)}${repeat}`);
}
