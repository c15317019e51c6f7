/**
 * MCP servers' tools as data the workflows and the worker share: qualified names, the tool-name patterns of the
 * configuration, the listed tools and call results that cross the activity boundary, and the failure types. Zod-free
 * on purpose: task workflows import this (the config's schema is in src/config/mcp.ts, the client in
 * src/activities/mcp/).
 */
import { toMillicredits } from './credits';

// Failure types of MCP activities, by whose fault they are.
/** The user's MCP configuration cannot work on this worker (a command not found, an unset environment variable). */
export const MCP_CONFIG_INVALID = 'Planwright.Mcp.ConfigInvalid';
/** The server did not start, stopped answering, or could not be restarted; it may recover, so retried. */
export const MCP_SERVER_UNAVAILABLE = 'Planwright.Mcp.ServerUnavailable';
/** An HTTP server refused the worker's credentials (401/403): the headers' environment variables need fixing. */
export const MCP_SERVER_REFUSED = 'Planwright.Mcp.ServerRefused';
/** The server answered, but not as MCP (an unsupported protocol version, a malformed tool list). */
export const MCP_PROTOCOL_ERROR = 'Planwright.Mcp.ProtocolError';
/** The caller asked for something impossible (a per-task server without a task key): our bug, never retried. */
export const MCP_INVALID_CALL = 'Planwright.Mcp.InvalidCall';

/** Whose fault an MCP failure is: the user's configuration, the server's (or its network's), or ours. */
export type McpFault = 'config' | 'server' | 'bug';

/** The `details[0]` of an MCP activity's ApplicationFailure. */
export interface McpFailureDetails {
  /** The configured server's name. */
  server: string;
  fault: McpFault;
  /** The last lines a stdio server wrote to stderr before it failed, with known secrets redacted. */
  stderrTail?: string;
}

/** MCP failures that no retry of the same activity can fix. */
export const NON_RETRYABLE_MCP_FAILURES = [
  MCP_CONFIG_INVALID,
  MCP_SERVER_REFUSED,
  MCP_PROTOCOL_ERROR,
  MCP_INVALID_CALL,
] as const;

/**
 * Server names as the configuration accepts them. No "__" and no trailing "_", so that a qualified name
 * `mcp__<server>__<tool>` splits back into one server and one tool.
 */
export const MCP_SERVER_NAME = /^[a-z](?:[a-z0-9-]|_(?=[a-z0-9-]))*$/;
/** Longest server name. */
export const MAX_MCP_SERVER_NAME_CHARS = 32;
/** Tool names and patterns: the characters MCP allows in tool names (letters, digits, `_`, `-`, `.`), and `*`. */
export const MCP_TOOL_PATTERN = /^[A-Za-z0-9_.*-]{1,128}$/;
/** Most tools one server may list; a longer (or endless, paginated) list is a protocol error. */
export const MAX_MCP_TOOLS_PER_SERVER = 500;

const PREFIX = 'mcp__';
const SEPARATOR = '__';

/** The name an MCP tool is offered to the model under: `mcp__<server>__<tool>`. */
export function qualifiedMcpName(server: string, tool: string): string {
  return `${PREFIX}${server}${SEPARATOR}${tool}`;
}

/** The server and tool of a qualified name, or undefined when `name` is not one (a built-in tool's name). */
export function parseQualifiedMcpName(name: string): { server: string; tool: string } | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const rest = name.slice(PREFIX.length);
  // Server names hold no "__" and do not end in "_", so the first "__" ends the server's name.
  const at = rest.indexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const server = rest.slice(0, at);
  const tool = rest.slice(at + SEPARATOR.length);
  if (!tool || !MCP_SERVER_NAME.test(server)) return undefined;
  return { server, tool };
}

/** True when `name` matches `pattern`: a tool name, where `*` stands for any run of characters (none included). */
export function matchesToolPattern(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  // Greedy left to right is exact for `*`-only patterns: each middle part taken at its earliest place leaves the
  // most room for the rest.
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** True when `name` matches one of `patterns`. */
export function matchesAnyToolPattern(patterns: readonly string[] | undefined, name: string): boolean {
  return (patterns ?? []).some((pattern) => matchesToolPattern(pattern, name));
}

/** Wildcard for "every agent type" in a server's `tools` map. */
export const ANY_AGENT_TYPE = '*';

/** What the configuration says about a server's tools; the config's own type (src/config/mcp.ts) fits it. */
export interface McpToolRules {
  /** Tool patterns by agent type or `*`; unset: every agent type may use every tool. */
  tools?: Readonly<Record<string, readonly string[]>>;
  /** Tool patterns whose calls wait for a person's approval. */
  requiresApproval?: readonly string[];
  /** Tool patterns whose calls may be retried after they may have run. */
  idempotent?: readonly string[];
}

/**
 * Whether agents of `agentType` may use the server's tool `tool`. An agent type's own entry wins over `*` (so
 * `"code": []` takes every tool from code agents while `"*"` gives some to the others); neither: none.
 */
export function isMcpToolAllowed(rules: McpToolRules, tool: string, agentType: string): boolean {
  if (!rules.tools) return true;
  // Own keys only: an agent type named like an Object method ("constructor") must not find one.
  const patterns = ownValue(rules.tools, agentType) ?? ownValue(rules.tools, ANY_AGENT_TYPE);
  return matchesAnyToolPattern(patterns, tool);
}

/** Whether any agent type may use the tool: tools no agent may use are not listed at all. */
export function isMcpToolAllowedForSomeAgent(rules: McpToolRules, tool: string): boolean {
  if (!rules.tools) return true;
  return Object.values(rules.tools).some((patterns) => matchesAnyToolPattern(patterns, tool));
}

/** One tool of one server, as listed by an activity and recorded in history (never read inside workflow code). */
export interface McpToolInfo {
  /** The configured server's name. */
  server: string;
  /** The tool's name on its server. */
  name: string;
  /** `mcp__<server>__<tool>`: the name the model calls it by. */
  qualifiedName: string;
  /** The server's description of the tool; '' when it gives none. */
  description: string;
  /** The JSON schema of the tool's arguments, as the server gave it. */
  inputSchema: Record<string, unknown>;
  /** Whether the configuration marks it idempotent: a call that may have run may be made again. */
  idempotent: boolean;
  /** Whether the configuration makes its calls wait for a person's approval. */
  requiresApproval: boolean;
  /** Credits each call costs the task, in thousandths, when the configuration prices it (absent: free). */
  millicreditsPerCall?: number;
}

/**
 * The price of a call of `tool` in millicredits: an exact name in `creditsPerCall` wins, else the first pattern that
 * matches in the config's order; 0 when none does.
 */
export function mcpCallPrice(creditsPerCall: Readonly<Record<string, number>> | undefined, tool: string): number {
  if (!creditsPerCall) return 0;
  const credits =
    ownValue(creditsPerCall, tool) ??
    Object.entries(creditsPerCall).find(([pattern]) => matchesToolPattern(pattern, tool))?.[1] ??
    0;
  return toMillicredits(credits);
}

/** One call of an MCP tool, as a workflow asks for it. */
export interface McpToolCall {
  /** The configured server's name. */
  server: string;
  /** The tool's name on its server. */
  tool: string;
  /** The arguments the model gave, an object by the tool's input schema. */
  arguments: Record<string, unknown>;
  /** The task the call belongs to: required for stateful servers and servers run in the task's checkout. */
  taskKey?: string;
  /** Absolute path of the task's checkout on this worker: required for servers with `cwd: 'checkout'`. */
  checkoutDir?: string;
}

/**
 * What the model reads back. ok: the tool answered, perhaps with its own error (`isError`); not ok: the call did not
 * complete (a timeout, the server stopped during it, the server refused the request), said in `error`.
 */
export type McpCallResult =
  | {
      ok: true;
      /** The tool's content flattened to text, cut to the server's maxResultChars with a note. */
      text: string;
      /** Whether `text` was cut. */
      truncated: boolean;
      /** The tool reported an error: `text` says what, for the model to act on. */
      isError: boolean;
    }
  | {
      ok: false;
      /** One line for the model: what happened, and whether the call may have taken effect. */
      error: string;
    };

/** `record[key]` when the record itself has that key, never what its prototype has under that name. */
function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
