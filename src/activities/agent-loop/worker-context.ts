import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, type WorkspaceWorkerConfig } from '../../config';
import { MCP_SERVER_UNAVAILABLE } from '../../domain/mcp';
import { listMcpTools, McpClientPool } from '../mcp';
import type { ModelClient } from '../model/model-client';
import { probeSandbox } from '../sandbox';
import { removeOrphanedCheckouts, workspaceSettings } from '../workspace';
import { HeldTasks } from './held-tasks';
import type { AgentLoopContext } from './settings';
import { TranscriptCache } from './transcript-cache';

let probe: ReturnType<typeof probeSandbox> | undefined;

/**
 * The agent-loop context of a worker process, or undefined when it must not take workspace work: its sandbox probe
 * failed and its operator did not opt in to unsandboxed commands. Says which, in one line, at start.
 */
export async function workspaceContext(
  config: WorkspaceWorkerConfig,
  model: ModelClient,
  taskQueue: string,
): Promise<AgentLoopContext | undefined> {
  // Probed once per process: every worker it creates runs commands the same way.
  probe ??= probeSandbox();
  const probed = await probe;
  if (!probed.ok && !config.unsandboxedCommands) {
    console.error(
      `planwright worker: takes no workspace work: ${probed.reason} (or set PLANWRIGHT_UNSANDBOXED_COMMANDS=1 to run ` +
        "agents' commands WITHOUT isolation: they would see this machine's files and network)",
    );
    return undefined;
  }
  if (!probed.ok) {
    console.error(`planwright worker: WARNING: agents' commands run WITHOUT a sandbox (${probed.reason})`);
  }
  const settings = workspaceSettings({
    root: config.root,
    partial: config.partialClones,
    ...(config.cloneDepth ? { depth: config.cloneDepth } : {}),
    ...(config.gitIdentity ? { identity: config.gitIdentity } : {}),
    ...(config.limits ? { limits: config.limits } : {}),
  });
  // A worker killed on this host cleaned nothing up: its checkouts go now (their tasks move to fresh checkouts).
  const orphans = await removeOrphanedCheckouts(path.join(settings.root, 'checkouts'));
  if (orphans.length > 0) {
    console.error(`planwright worker: removed ${orphans.length} checkout(s) left by workers that are gone`);
  }
  return {
    model,
    workspace: settings,
    ...(config.ceiling ? { ceiling: config.ceiling } : {}),
    sandbox: probed.ok ? 'bwrap' : 'none',
    fleet: config.fleet,
    // Unique per process: a restarted worker has lost its checkouts and conversations, so it must not get their steps.
    ownQueue: `${taskQueue}@${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    transcripts: new TranscriptCache(),
    ...(await mcpContext(config)),
    held: new HeldTasks(),
  };
}

/**
 * The worker's MCP servers, checked at start where that can be known: a server that cannot start, answers with a
 * protocol error or lacks a configured tool stops the worker with one line naming it; one that is unreachable for now
 * is a warning (the run that needs it fails at its opening with the same line).
 */
async function mcpContext(config: WorkspaceWorkerConfig): Promise<Pick<AgentLoopContext, 'mcp'>> {
  const servers = config.mcpServers;
  if (!servers || Object.keys(servers).length === 0) return {};
  const pool = new McpClientPool({ workerDir: process.cwd() });
  try {
    await listMcpTools(pool, servers);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ApplicationFailure && err.type === MCP_SERVER_UNAVAILABLE) {
      console.error(`planwright worker: warning: ${message}`);
    } else {
      await pool.closeAll();
      throw new ConfigError(message);
    }
  }
  return { mcp: { pool, servers } };
}
