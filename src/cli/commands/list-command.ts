import type { Command } from 'commander';
import { checkListableStatus, LISTABLE_STATUSES, listRuns } from '../../client';
import { formatCredits } from '../../domain/credits';
import { table } from '../format';
import { parsePositiveNumber } from '../inputs';
import { clientFor, connectionOptions, out, type ConnectionFlags } from '../options';

/** list: the runs on the server, newest first, from search attributes alone. */
export function registerListCommand(program: Command): void {
  connectionOptions(program.command('list').description('list runs, newest first, with their status'))
    .option('--status <status>', `only runs in this status (${LISTABLE_STATUSES.join(', ')})`)
    .option('--limit <n>', 'most runs to list (default 20)', parsePositiveNumber('--limit'))
    .option('--json', 'print the runs as JSON')
    .action(async (flags: ConnectionFlags & { status?: string; limit?: number; json?: boolean }) => {
      // Checked before connecting: a mistyped status is the user's mistake, whatever the server's state.
      if (flags.status) checkListableStatus(flags.status);
      const { client } = await clientFor(flags);
      const rows = await listRuns(client, {
        ...(flags.status ? { status: flags.status } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        progress: true,
      });
      if (flags.json) return out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return out(flags.status ? `No run is ${flags.status}.` : 'No run yet.');
      out(
        table(
          ['run', 'status', 'waiting', 'tasks', 'credits', 'started', 'ended', 'goal'],
          rows.map((r) => [
            r.runId,
            r.status,
            String(r.pendingApprovals || '-'),
            r.progress ? `${r.progress.tasksEnded}/${r.progress.tasks}` : '-',
            r.progress
              ? `${formatCredits(r.progress.spentMillicredits)}/${formatCredits(r.progress.budgetMillicredits)}`
              : '-',
            r.startedAt,
            r.closedAt ?? '-',
            r.goal ? truncateGoal(r.goal) : '-',
          ]),
        ),
      );
    });
}

/** A goal on one line of a table: its first line, cut at 60 characters. */
function truncateGoal(goal: string): string {
  const line = goal.split('\n')[0]!;
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
