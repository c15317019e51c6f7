import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { formatCredits } from '../../domain/credits';
import { EXIT, UserError } from '../../infra/errors';
import { approveBudgetSignal, denyBudgetSignal, pendingApprovalsQuery } from '../../workflows/messages';
import { parsePositiveNumber } from '../inputs';
import { clientFor, connectionOptions, out, type ConnectionFlags } from '../options';

/** approve, deny, pending: the person in the loop. */
export function registerApprovalCommands(program: Command): void {
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
}

async function requirePending(handle: WorkflowHandle, runId: string, taskId: string) {
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
