import type { McpServersConfig } from '../../config';
import type { WorkspacePolicy } from '../../domain/workspace-policy-schema';
import type { McpClientPool } from '../mcp';
import type { ModelClient } from '../model/model-client';
import type { WorkspaceSettings } from '../workspace';
import type { HeldTasks } from './held-tasks';
import type { TranscriptCache } from './transcript-cache';

/** What the agent-loop activities of one worker share. */
export interface AgentLoopContext {
  model: ModelClient;
  workspace: WorkspaceSettings;
  /** The most this worker allows any run (config `workspace.ceiling`); absent: the user's flags as given. */
  ceiling?: WorkspacePolicy;
  /** Workers run on several machines: runs must name a remote repository, never a local path. */
  fleet: boolean;
  /** How this worker runs commands: 'none' only when its operator opted in (the sandbox probe failed). */
  sandbox: 'bwrap' | 'none';
  /** The task queue only this worker polls: steps of the checkouts it holds are sent there. */
  ownQueue: string;
  transcripts: TranscriptCache;
  /** This worker's MCP servers and the clients it keeps to them; absent when none are configured. */
  mcp?: { pool: McpClientPool; servers: McpServersConfig };
  held: HeldTasks;
}
