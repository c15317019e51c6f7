import { ApplicationFailure } from '@temporalio/common';
import type { McpServerConfig, McpServersConfig } from '../../config/mcp';
import {
  MCP_CONFIG_INVALID,
  MCP_SERVER_UNAVAILABLE,
  type McpCallResult,
  type McpFailureDetails,
  type McpToolCall,
} from '../../domain/mcp';
import type { McpConnection } from './connection';
import {
  errorText,
  failureReason,
  isConnectionFailure,
  isMalformedAnswer,
  isMcpTimeout,
  mcpFailure,
  oneLine,
} from './errors';
import type { McpClientPool, McpScope } from './pool';
import { flattenToolResult } from './results';

/**
 * One call of an MCP tool. Whatever the model can act on comes back as a result: the tool's own error (`isError`), a
 * timeout, a refused request, a server that stopped during the call (restarted once, so the next call finds it up).
 * Only what the worker cannot get past throws: a server missing from this worker's config, or one that cannot be
 * started again, with its stderr tail in the failure.
 */

/** Characters of what a server or the SDK said about a failed call that reach the model. */
const MAX_ERROR_CHARS = 1000;

export interface CallMcpToolOptions {
  /** The activity's cancellation: the request is cancelled on the server too. */
  signal?: AbortSignal;
}

/**
 * Calls `call.tool` on its server, starting the server (or the task's own instance) when it is not running, and
 * returns what the model reads. Throws an ApplicationFailure (src/domain/mcp.ts types) only as said above.
 */
export async function callMcpTool(
  pool: McpClientPool,
  servers: McpServersConfig,
  call: McpToolCall,
  options: CallMcpToolOptions = {},
): Promise<McpCallResult> {
  const server = servers[call.server];
  if (!server) {
    const fix = 'the run was planned with another configuration; give every worker the same mcpServers';
    throw mcpFailure(MCP_CONFIG_INVALID, call.server, `is not in this worker's mcpServers; ${fix}`);
  }
  const scope: McpScope = {
    ...(call.taskKey !== undefined ? { taskKey: call.taskKey } : {}),
    ...(call.checkoutDir !== undefined ? { checkoutDir: call.checkoutDir } : {}),
  };
  const free = await pool.calls.take(call.server, server.maxConcurrentCalls, options.signal);
  try {
    return await callOnce(pool, call, server, scope, options);
  } finally {
    free();
  }
}

async function callOnce(
  pool: McpClientPool,
  call: McpToolCall,
  server: McpServerConfig,
  scope: McpScope,
  options: CallMcpToolOptions,
): Promise<McpCallResult> {
  const connection = await pool.connection(call.server, server, scope);
  try {
    const result = await connection.client.callTool({ name: call.tool, arguments: call.arguments }, undefined, {
      timeout: server.timeoutSeconds * 1000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return flattenToolResult(result, server.maxResultChars, connection.redact);
  } catch (err) {
    // A cancelled activity ends here; the SDK has told the server to stop the request.
    if (options.signal?.aborted) throw err;
    if (isMcpTimeout(err)) {
      const error = `"${call.tool}" did not finish within ${server.timeoutSeconds} s and was cancelled; it may have taken effect in part, so check before calling it again`;
      return { ok: false, error: `MCP server "${call.server}": ${error}` };
    }
    if (connection.closed || isConnectionFailure(err)) {
      return restartAfterFailure(pool, call, server, scope, connection, err);
    }
    const said = oneLine(connection.redact(errorText(err))).slice(0, MAX_ERROR_CHARS);
    const how = isMalformedAnswer(err)
      ? `answered the call of "${call.tool}" with a malformed result`
      : `refused the call of "${call.tool}"`;
    return { ok: false, error: `MCP server "${call.server}" ${how}: ${said}` };
  }
}

/**
 * The server stopped (or its connection broke) during the call: start it again now, so the model's next call finds
 * it, and tell the model this call's fate is unknown. When it cannot be started again, the activity fails with what
 * the dead process last said.
 */
async function restartAfterFailure(
  pool: McpClientPool,
  call: McpToolCall,
  server: McpServerConfig,
  scope: McpScope,
  dead: McpConnection,
  err: unknown,
): Promise<McpCallResult> {
  const stderr = await dead.stderrTail();
  const what = dead.closed ? 'stopped' : `lost its connection (${oneLine(dead.redact(errorText(err)))})`;
  await pool.discard(dead);
  try {
    await pool.connection(call.server, server, scope);
  } catch (restartErr) {
    // Keep the restart's type: a variable unset since the first start is the user's to fix, not worth retries.
    const type = restartErr instanceof ApplicationFailure ? restartErr.type : undefined;
    const why = failureReason(restartErr, call.server);
    const message = `${what} during a call of "${call.tool}" and could not be started again: ${why}`;
    // The dead process's last words explain more than the new one's, which often just repeats the same error.
    const tail = stderr || ((restartErr as ApplicationFailure).details?.[0] as McpFailureDetails)?.stderrTail;
    throw mcpFailure(type ?? MCP_SERVER_UNAVAILABLE, call.server, message, tail);
  }
  const error = `${what} during the call of "${call.tool}" and was restarted; the call may have taken effect in part, so check before calling it again`;
  return { ok: false, error: `MCP server "${call.server}" ${error}` };
}
