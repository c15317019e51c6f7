import type { Command } from 'commander';
import { approveToolCall, denyToolCall } from '../../client';
import { parseRunIdArgument } from '../inputs';
import { clientFor, connectionOptions, type ConnectionFlags } from '../options';
import { decider, reportDecision } from './approval-commands';

/** approve-tool, deny-tool: a person decides on a gated tool call (`planwright pending` lists them). */
export function registerToolApprovalCommands(program: Command): void {
  connectionOptions(
    program
      .command('approve-tool')
      .description('let a tool call that waits for approval run')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<requestId>', 'the call, as `planwright pending` lists it (<taskId>/<step>)'),
  )
    .option('--by <name>', 'who approves (default: identity.name in planwright.config.json, else $USER)')
    .option('--note <text>', 'why (recorded in the report)')
    .action(async (runId: string, requestId: string, flags: ConnectionFlags & { by?: string; note?: string }) => {
      const { client } = await clientFor(flags);
      const delivered = await approveToolCall(client, runId, {
        requestId,
        ...decider(flags.by),
        ...(flags.note ? { note: flags.note } : {}),
      });
      reportDecision(delivered, 'approval', runId, () => `Approved tool call ${requestId} in ${runId}.`);
    });

  connectionOptions(
    program
      .command('deny-tool')
      .description('refuse a tool call that waits for approval; the agent reads the reason and goes on')
      .argument('<runId>', "the run's workflow id", parseRunIdArgument)
      .argument('<requestId>', 'the call, as `planwright pending` lists it'),
  )
    .requiredOption('--reason <text>', 'why (the agent reads it as the tool result)')
    .option('--by <name>', 'who denies (default: identity.name in planwright.config.json, else $USER)')
    .action(async (runId: string, requestId: string, flags: ConnectionFlags & { reason: string; by?: string }) => {
      const { client } = await clientFor(flags);
      const delivered = await denyToolCall(client, runId, { requestId, reason: flags.reason, ...decider(flags.by) });
      reportDecision(delivered, 'denial', runId, () => `Denied tool call ${requestId} in ${runId}.`);
    });
}
