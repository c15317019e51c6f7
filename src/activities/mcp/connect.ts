import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ApplicationFailure } from '@temporalio/common';
import type { McpServerConfig } from '../../config/mcp';
import {
  MCP_CONFIG_INVALID,
  MCP_INVALID_CALL,
  MCP_PROTOCOL_ERROR,
  MCP_SERVER_REFUSED,
  MCP_SERVER_UNAVAILABLE,
} from '../../domain/mcp';
import { redactUrl } from '../../domain/redact';
import { McpConnection } from './connection';
import { errorText, isMcpTimeout, mcpFailure, oneLine } from './errors';
import { createRedactor } from './secrets';
import { httpHeaders, stdioEnvironment } from './server-env';

/**
 * Starting a stdio server or connecting to an HTTP one, up to the end of MCP's handshake, and saying in one line why
 * that failed. The worker offers the server no capabilities (no sampling, roots or elicitation): it only lists and
 * calls tools.
 */

export interface ConnectOptions {
  /** Working directory of a stdio server: the task's checkout or the worker's directory. */
  cwd: string;
  /** Where `envFrom` and `headersFromEnv` are read, at this moment. */
  workerEnv: NodeJS.ProcessEnv;
  /** How the worker introduces itself to servers. */
  clientInfo: { name: string; version: string };
}

/** A connected client of `server`, handshake done; throws an ApplicationFailure naming the server and the fix. */
export async function connectMcpServer(
  name: string,
  server: McpServerConfig,
  options: ConnectOptions,
): Promise<McpConnection> {
  const { connection, transport } =
    server.command !== undefined
      ? stdioConnection(name, server, server.command, options)
      : httpConnection(name, server, server.url!, options);
  try {
    await connection.client.connect(transport, { timeout: server.timeoutSeconds * 1000 });
  } catch (err) {
    const failure = await startFailure(name, server, options, connection, err);
    await connection.close();
    throw failure;
  }
  if (transport instanceof StdioClientTransport) connection.pid = transport.pid ?? undefined;
  return connection;
}

function stdioConnection(name: string, server: McpServerConfig, command: string, options: ConnectOptions) {
  // spawn reports a missing working directory as ENOENT, which would read as a missing command.
  if (!existsSync(options.cwd)) {
    throw mcpFailure(MCP_INVALID_CALL, name, `its working directory ${options.cwd} does not exist on this worker`);
  }
  const { env, secrets } = stdioEnvironment(name, server, options.workerEnv);
  const transport = new StdioClientTransport({
    command,
    args: server.args ?? [],
    env,
    cwd: options.cwd,
    // Piped, not inherited: its tail explains a failure, and it must not interleave with the worker's own log.
    stderr: 'pipe',
  });
  const client = new Client(options.clientInfo, { capabilities: {} });
  const stderr = transport.stderr as Readable | null;
  const connection = new McpConnection(name, client, createRedactor(secrets), `command "${command}"`, stderr);
  return { connection, transport: transport as Transport };
}

function httpConnection(name: string, server: McpServerConfig, url: string, options: ConnectOptions) {
  const { headers, secrets } = httpHeaders(name, server, options.workerEnv);
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client(options.clientInfo, { capabilities: {} });
  const connection = new McpConnection(name, client, createRedactor(secrets), redactUrl(url));
  return { connection, transport: transport as Transport };
}

/** Why the server could not be started or connected to, as the failure an activity throws. */
async function startFailure(
  name: string,
  server: McpServerConfig,
  options: ConnectOptions,
  connection: McpConnection,
  err: unknown,
): Promise<ApplicationFailure> {
  const field = `mcpServers.${name}`;
  const what = connection.describe;
  const said = connection.redact(errorText(err));
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    const where = server.command?.includes('/') ? `in ${options.cwd}` : "on this worker's PATH";
    return mcpFailure(MCP_CONFIG_INVALID, name, `${what} was not found ${where}; check ${field}.command`);
  }
  if (code === 'EACCES') {
    return mcpFailure(MCP_CONFIG_INVALID, name, `${what} is not executable on this worker; check ${field}.command`);
  }
  if (err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403)) {
    const variables = Object.values(server.headersFromEnv ?? {});
    const fix = variables.length
      ? `check the credentials in ${variables.join(', ')} (${field}.headersFromEnv)`
      : `give it credentials with ${field}.headersFromEnv`;
    return mcpFailure(MCP_SERVER_REFUSED, name, `${what} refused the worker (HTTP ${err.code}); ${fix}`);
  }
  if (err instanceof StreamableHTTPError && err.code === 404) {
    return mcpFailure(MCP_CONFIG_INVALID, name, `${what} answered HTTP 404: no MCP endpoint there; check ${field}.url`);
  }
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code < 500) {
    return mcpFailure(MCP_PROTOCOL_ERROR, name, `${what} refused the MCP handshake (HTTP ${err.code}): ${said}`);
  }
  const stderr = await connection.stderrTail();
  if (connection.lastProtocolError) {
    const fix = `check that ${field}.command starts an MCP server speaking stdio (logs go to stderr, never stdout)`;
    const seen = `it wrote what is not MCP to stdout (${oneLine(connection.lastProtocolError)})`;
    return mcpFailure(MCP_PROTOCOL_ERROR, name, `${what} did not answer the MCP handshake: ${seen}; ${fix}`, stderr);
  }
  if (server.command !== undefined && connection.closed) {
    const fix = `check ${field}.command and ${field}.args`;
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `${what} exited before answering; ${fix}`, stderr);
  }
  if (isMcpTimeout(err)) {
    const fix = `check that it is an MCP server, or raise ${field}.timeoutSeconds`;
    const late = `did not answer the MCP handshake within ${server.timeoutSeconds} s`;
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `${what} ${late}; ${fix}`, stderr);
  }
  // fetch reports a refused connection, a DNS failure or a TLS problem as a TypeError.
  if (server.url !== undefined && err instanceof TypeError) {
    const fix = `check that it runs and ${field}.url`;
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `${what} could not be reached (${said}); ${fix}`);
  }
  if (err instanceof StreamableHTTPError) {
    return mcpFailure(MCP_SERVER_UNAVAILABLE, name, `${what} failed the MCP handshake (HTTP ${err.code}): ${said}`);
  }
  return mcpFailure(MCP_PROTOCOL_ERROR, name, `${what} failed the MCP handshake: ${said}`, stderr);
}
