import type { Command } from 'commander';
import { RunStatus } from '../../domain/run';
import { PENDING_APPROVALS_ATTRIBUTE, RUN_STATUS_ATTRIBUTE } from '../../domain/search-attributes';
import { UserError } from '../../infra/errors';
import { table } from '../format';
import { parsePositiveNumber } from '../inputs';
import { clientFor, connectionOptions, out, type ConnectionFlags } from '../options';

/** Every value `--status` accepts: the run statuses, and the one the search attribute adds for waiting runs. */
const LISTABLE_STATUSES = [...RunStatus.options, 'awaiting_approval'] as const;

/** One row of `planwright list`, read from the server's visibility store (no worker needed). */
interface RunRow {
  runId: string;
  status: string;
  pendingApprovals: number;
  startedAt: string;
  closedAt?: string;
}

/** list: the runs on the server, newest first, from search attributes alone. */
export function registerListCommand(program: Command): void {
  connectionOptions(program.command('list').description('list runs, newest first, with their status'))
    .option('--status <status>', `only runs in this status (${LISTABLE_STATUSES.join(', ')})`)
    .option('--limit <n>', 'most runs to list (default 20)', parsePositiveNumber('--limit'))
    .option('--json', 'print the runs as JSON')
    .action(async (flags: ConnectionFlags & { status?: string; limit?: number; json?: boolean }) => {
      if (flags.status && !(LISTABLE_STATUSES as readonly string[]).includes(flags.status)) {
        throw new UserError(`unknown --status "${flags.status}"; use one of ${LISTABLE_STATUSES.join(', ')}`);
      }
      const limit = Math.floor(flags.limit ?? 20);
      const { client } = await clientFor(flags);
      // A terminated run keeps the last status it wrote ("running"), so the engine's status filters too.
      const engineStatus = ['planning', 'running', 'awaiting_approval'].includes(flags.status ?? '')
        ? 'Running'
        : 'Completed';
      const query =
        `WorkflowType = "goalWorkflow"` +
        (flags.status
          ? ` AND ${RUN_STATUS_ATTRIBUTE.name} = "${flags.status}" AND ExecutionStatus = "${engineStatus}"`
          : '');
      const rows: RunRow[] = [];
      for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        // A run that was terminated or timed out never wrote its last status: the engine's word wins then.
        const engine = wf.status.name;
        const own = wf.typedSearchAttributes.get(RUN_STATUS_ATTRIBUTE);
        rows.push({
          runId: wf.workflowId,
          status: engine === 'RUNNING' || engine === 'COMPLETED' ? (own ?? engine.toLowerCase()) : engine.toLowerCase(),
          pendingApprovals: wf.typedSearchAttributes.get(PENDING_APPROVALS_ATTRIBUTE) ?? 0,
          startedAt: wf.startTime.toISOString(),
          ...(wf.closeTime ? { closedAt: wf.closeTime.toISOString() } : {}),
        });
        if (rows.length >= limit) break;
      }
      if (flags.json) return out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return out(flags.status ? `No run is ${flags.status}.` : 'No run yet.');
      out(
        table(
          ['run', 'status', 'waiting', 'started', 'ended'],
          rows.map((r) => [r.runId, r.status, String(r.pendingApprovals || '-'), r.startedAt, r.closedAt ?? '-']),
        ),
      );
    });
}
