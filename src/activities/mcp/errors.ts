import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ApplicationFailure } from '@temporalio/common';
import {
  MCP_CONFIG_INVALID,
  MCP_INVALID_CALL,
  MCP_PROTOCOL_ERROR,
  MCP_SERVER_REFUSED,
  MCP_SERVER_UNAVAILABLE,
  NON_RETRYABLE_MCP_FAILURES,
  type McpFailureDetails,
  type McpFault,
} from '../../domain/mcp';

/**
 * The failures of MCP activities: one line naming the server, what happened and the fix, typed by whose fault it is.
 * Messages become part of histories and reports, so whatever a server or library says is passed through the
 * connection's redactor (./secrets.ts) before it gets here.
 */

/** Characters of a server's stderr quoted in a failure's one-line message; the details keep more. */
const MESSAGE_STDERR_CHARS = 300;

const STDERR_QUOTE = '; its stderr ends: ';
const serverPrefix = (server: string) => `MCP server "${server}": `;

const FAULTS: Record<string, McpFault> = {
  [MCP_CONFIG_INVALID]: 'config',
  [MCP_SERVER_REFUSED]: 'config',
  [MCP_SERVER_UNAVAILABLE]: 'server',
  [MCP_PROTOCOL_ERROR]: 'server',
  [MCP_INVALID_CALL]: 'bug',
};

/**
 * The ApplicationFailure for `server`: `MCP server "files": <what>[; its stderr ends: <tail>]`, one line, with the
 * longer stderr tail in its details. Retryable unless the type is one no retry can fix.
 */
export function mcpFailure(type: string, server: string, what: string, stderrTail = ''): ApplicationFailure {
  const tail = stderrTail.trim();
  const quoted = tail ? `${STDERR_QUOTE}${oneLine(tail.slice(-MESSAGE_STDERR_CHARS))}` : '';
  const details: McpFailureDetails = { server, fault: FAULTS[type] ?? 'bug', ...(tail ? { stderrTail: tail } : {}) };
  return ApplicationFailure.create({
    type,
    message: `${serverPrefix(server)}${oneLine(what)}${quoted}`,
    nonRetryable: (NON_RETRYABLE_MCP_FAILURES as readonly string[]).includes(type),
    details: [details],
  });
}

/**
 * What an MCP failure says happened, without the server's name before it or the stderr quoted after it, to be
 * worded into another failure; any other error's message.
 */
export function failureReason(err: unknown, server: string): string {
  const text = errorText(err);
  const start = text.startsWith(serverPrefix(server)) ? serverPrefix(server).length : 0;
  const end = text.indexOf(STDERR_QUOTE);
  return text.slice(start, end < 0 ? undefined : end);
}

/** Whether `err` is the SDK's request timeout (the request's `timeout` option ran out). */
export function isMcpTimeout(err: unknown): boolean {
  return err instanceof McpError && err.code === Number(ErrorCode.RequestTimeout);
}

/** Whether `err` is an answer the SDK could not read: the server's, not the connection's, fault. */
export function isMalformedAnswer(err: unknown): boolean {
  return err instanceof Error && err.name === 'ZodError';
}

/**
 * Whether `err` says the connection itself failed (the process exited, a socket or HTTP request failed) rather than
 * the server answering: every error that is neither a JSON-RPC error nor a malformed answer, and "connection closed".
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof McpError) return err.code === Number(ErrorCode.ConnectionClosed);
  return !isMalformedAnswer(err);
}

/** The message of anything thrown, with its cause's when it has one (fetch's "fetch failed" says little alone). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
}

/** `text` with line breaks and control characters collapsed to single spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}
