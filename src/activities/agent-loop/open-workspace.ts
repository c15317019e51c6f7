import { ApplicationFailure } from '@temporalio/common';
import type { OpenedWorkspace, RunWorkspaceInput } from '../../domain/run-workspace';
import { isLocalRepoLocation, WORKSPACE_INVALID_INPUT } from '../../domain/workspace';
import { intersectPolicies } from '../../domain/workspace-policy';
import { listMcpTools } from '../mcp';
import { openRunRepository, toWorkspaceFailure } from '../workspace';
import type { AgentLoopContext } from './settings';

/**
 * Opens a run's workspace, once, at its start: the repository reached with this worker's own access and credentials,
 * the base resolved to a commit, and the policy narrowed to this worker's ceiling. All of it is recorded in history
 * (the activity's result), so every task of the run works to the same rules whichever worker runs it.
 */
export async function openRunWorkspace(
  ctx: AgentLoopContext,
  input: { runId: string; workspace: RunWorkspaceInput },
): Promise<OpenedWorkspace> {
  const repo = input.workspace.repo;
  if (ctx.fleet && (!repo || isLocalRepoLocation(repo))) {
    // Workers of a fleet do not share disks: a path on one machine means nothing on the others.
    throw ApplicationFailure.create({
      type: WORKSPACE_INVALID_INPUT,
      message: repo
        ? `--repo ${repo} is a local path, but the workers are a fleet (workspace.fleet): pass a URL every worker can reach`
        : 'the workers are a fleet (workspace.fleet): pass --repo with a URL every worker can reach',
      nonRetryable: true,
    });
  }
  let policy = input.workspace.policy;
  let notes: string[] = [];
  if (ctx.ceiling) {
    const combined = intersectPolicies(policy, ctx.ceiling);
    if (!combined.ok) {
      throw ApplicationFailure.create({
        type: WORKSPACE_INVALID_INPUT,
        message: `the run's policy does not fit this worker's ceiling: ${combined.errors.join('; ')}`,
        nonRetryable: true,
      });
    }
    ({ policy, notes } = combined);
  }
  try {
    const repository = await openRunRepository(ctx.workspace, {
      runId: input.runId,
      ...(input.workspace.repo ? { repo: input.workspace.repo } : {}),
      ...(input.workspace.base ? { base: input.workspace.base } : {}),
    });
    // The tool lists are read here, by an activity, and recorded with the rest: never inside workflow code.
    const mcpTools = ctx.mcp ? await listMcpTools(ctx.mcp.pool, ctx.mcp.servers) : [];
    return { ...repository, policy, notes, sandbox: ctx.sandbox, ...(mcpTools.length > 0 ? { mcpTools } : {}) };
  } catch (err) {
    throw toWorkspaceFailure(err);
  }
}
