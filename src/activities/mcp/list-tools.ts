import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig, McpServersConfig } from '../../config/mcp';
import {
  isMcpToolAllowedForSomeAgent,
  matchesAnyToolPattern,
  MAX_MCP_TOOLS_PER_SERVER,
  mcpCallPrice,
  MCP_CONFIG_INVALID,
  MCP_PROTOCOL_ERROR,
  MCP_SERVER_UNAVAILABLE,
  qualifiedMcpName,
  type McpToolInfo,
} from '../../domain/mcp';
import { functionToolProblem } from '../../domain/provider-tool-checks';
import type { McpConnection } from './connection';
import { errorText, isConnectionFailure, isMcpTimeout, mcpFailure } from './errors';
import { isPerTaskServer, type McpClientPool, type McpScope } from './pool';
import { checkToolNames } from './tool-names';

/**
 * The tools of every configured server, for an activity to record in history (a server that changes its tools then
 * cannot break a replay). Servers are asked at once; the first failure in config order is thrown, one line naming
 * the server and the fix, and so is a configured tool name the server does not have.
 */

/** A task key no real task has: per-task servers listed without a task get a throwaway instance under it. */
const LISTING_TASK_KEY = '\u0000listing';

/** Lists the tools of every server in `servers` that some agent type may use, in config order, then server order. */
export async function listMcpTools(
  pool: McpClientPool,
  servers: McpServersConfig,
  scope: McpScope = {},
): Promise<McpToolInfo[]> {
  const listed = await Promise.allSettled(
    Object.entries(servers).map(([name, server]) => listServerTools(pool, name, server, scope)),
  );
  const failed = listed.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return listed.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
}

async function listServerTools(
  pool: McpClientPool,
  name: string,
  server: McpServerConfig,
  scope: McpScope,
): Promise<McpToolInfo[]> {
  // Without a task, a per-task server is started for the listing alone (in an empty directory, if it runs in a
  // checkout) and stopped after it.
  const throwaway = isPerTaskServer(server) && !scope.taskKey;
  const dir = throwaway && server.cwd === 'checkout' ? await mkdtemp(path.join(tmpdir(), 'pw-mcp-list-')) : undefined;
  const own: McpScope = throwaway ? { taskKey: LISTING_TASK_KEY, ...(dir ? { checkoutDir: dir } : {}) } : scope;
  try {
    const connection = await pool.connection(name, server, own);
    const tools = await readToolList(connection, name, server);
    checkToolNames(name, server, tools);
    const offered = tools.filter((tool) => isMcpToolAllowedForSomeAgent(server, tool.name));
    checkProviderRules(name, offered);
    return offered.map((tool) => ({
      ...priced(mcpCallPrice(server.creditsPerCall, tool.name)),
      server: name,
      name: tool.name,
      qualifiedName: qualifiedMcpName(name, tool.name),
      description: connection.redact(tool.description ?? ''),
      inputSchema: tool.inputSchema as Record<string, unknown>,
      idempotent: matchesAnyToolPattern(server.idempotent, tool.name),
      requiresApproval: matchesAnyToolPattern(server.requiresApproval, tool.name),
    }));
  } finally {
    if (throwaway) await pool.closeTask(LISTING_TASK_KEY);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Refuses a server whose offered tools a provider would refuse (./provider-tool-checks.ts): better one line at worker
 * start than a 400 in every turn. The fix is the user's: leave the tool out of the agents' `tools`, or fix the server.
 */
function checkProviderRules(name: string, tools: readonly Tool[]): void {
  for (const tool of tools) {
    const problem = functionToolProblem(qualifiedMcpName(name, tool.name), tool.inputSchema);
    if (!problem) continue;
    const fix = `leave it out of mcpServers.${name}.tools, or fix the server`;
    throw mcpFailure(
      MCP_CONFIG_INVALID,
      name,
      `offers the tool "${tool.name}", which providers refuse: ${problem}; ${fix}`,
    );
  }
}

/** A price as an optional field: free tools record none, so tool lists keep their earlier shape. */
const priced = (millicredits: number) => (millicredits > 0 ? { millicreditsPerCall: millicredits } : {});

/** Every page of the server's `tools/list`, or an ApplicationFailure saying why not. */
async function readToolList(connection: McpConnection, name: string, server: McpServerConfig): Promise<Tool[]> {
  // A server without the tools capability has none to offer (it may serve resources or prompts only).
  if (!connection.client.getServerCapabilities()?.tools) return [];
  const tools: Tool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    let page: { tools: Tool[]; nextCursor?: string | undefined };
    try {
      page = await connection.client.listTools(cursor === undefined ? undefined : { cursor }, {
        timeout: server.timeoutSeconds * 1000,
      });
    } catch (err) {
      throw await listFailure(connection, name, server, err);
    }
    for (const tool of page.tools) {
      if (seen.has(tool.name)) {
        throw mcpFailure(MCP_PROTOCOL_ERROR, name, `lists the tool "${tool.name}" twice; fix or upgrade the server`);
      }
      seen.add(tool.name);
      tools.push(tool);
    }
    if (tools.length > MAX_MCP_TOOLS_PER_SERVER) {
      const fix = 'list fewer, or split the server';
      throw mcpFailure(MCP_PROTOCOL_ERROR, name, `lists over ${MAX_MCP_TOOLS_PER_SERVER} tools; ${fix}`);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

async function listFailure(
  connection: McpConnection,
  name: string,
  server: McpServerConfig,
  err: unknown,
): Promise<Error> {
  const field = `mcpServers.${name}`;
  if (isMcpTimeout(err)) {
    const late = `did not list its tools within ${server.timeoutSeconds} s`;
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `${late}; raise ${field}.timeoutSeconds if it is slow`);
  }
  if (isConnectionFailure(err)) {
    const stderr = await connection.stderrTail();
    const said = connection.redact(errorText(err));
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `stopped while listing its tools (${said})`, stderr);
  }
  const said = connection.redact(errorText(err));
  return mcpFailure(MCP_PROTOCOL_ERROR, name, `answered tools/list with an error: ${said}; fix or upgrade the server`);
}
