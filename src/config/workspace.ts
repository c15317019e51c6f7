import { homedir } from 'node:os';
import path from 'node:path';
import type { WorkspacePolicy } from '../domain/workspace-policy-schema';
import { ConfigError } from './errors';
import type { McpServersConfig } from './mcp';
import type { WorkspaceConfig } from './schema';

/** How a worker keeps workspaces, from `workspace` in planwright.config.json and the environment. */
export interface WorkspaceWorkerConfig {
  /** Absolute folder of run repositories, clone caches and checkouts. */
  root: string;
  ceiling?: WorkspacePolicy;
  fleet: boolean;
  unsandboxedCommands: boolean;
  partialClones: boolean;
  cloneDepth?: number;
  gitIdentity?: { name: string; email: string };
  /** What one task may leave in its checkout and commit; unset fields take the defaults. */
  limits?: WorkspaceConfig['limits'];
  /** MCP servers agents may use (`mcpServers` in planwright.config.json); absent or empty: none. */
  mcpServers?: McpServersConfig;
}

/**
 * Where checkouts live by default. As root it is a system folder (/root is closed to the unprivileged user commands
 * run as, who must reach the checkout); otherwise the user's data folder.
 */
export function defaultWorkspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/var/lib/planwright';
  const data = env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(data, 'planwright');
}

/**
 * The worker's workspace settings: PLANWRIGHT_WORKSPACE_DIR wins over `workspace.root`; PLANWRIGHT_UNSANDBOXED_COMMANDS=1
 * (the name says the risk) turns on `unsandboxedCommands`.
 */
export function resolveWorkspaceConfig(
  config: WorkspaceConfig,
  env: NodeJS.ProcessEnv = process.env,
): WorkspaceWorkerConfig {
  const root = env.PLANWRIGHT_WORKSPACE_DIR || config.root || defaultWorkspaceRoot(env);
  const unsandboxed = env.PLANWRIGHT_UNSANDBOXED_COMMANDS;
  if (unsandboxed !== undefined && !['0', '1', ''].includes(unsandboxed)) {
    throw new ConfigError(`PLANWRIGHT_UNSANDBOXED_COMMANDS is "${unsandboxed}": set it to 1 (or unset it)`);
  }
  return {
    root: path.resolve(root),
    ...(config.ceiling ? { ceiling: config.ceiling } : {}),
    fleet: config.fleet,
    unsandboxedCommands: config.unsandboxedCommands || unsandboxed === '1',
    partialClones: config.partialClones,
    ...(config.cloneDepth ? { cloneDepth: config.cloneDepth } : {}),
    ...(config.gitIdentity ? { gitIdentity: config.gitIdentity } : {}),
    ...(config.limits ? { limits: config.limits } : {}),
  };
}
