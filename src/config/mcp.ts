import { z } from 'zod';
import { closestWord } from '../domain/edit-distance';
import { ANY_AGENT_TYPE, MAX_MCP_SERVER_NAME_CHARS, MCP_SERVER_NAME, MCP_TOOL_PATTERN } from '../domain/mcp';

/**
 * `mcpServers` of `planwright.config.json`: the MCP servers whose tools agents may use. A server is code the user
 * configured and trusts: it runs with the worker's rights, outside the agent sandbox. Secrets never appear here: a
 * stdio server is handed worker environment variables by name (`envFrom`), an HTTP server's header values are read
 * from the worker's environment when it connects (`headersFromEnv`), so neither reaches a history.
 */

/** Seconds one MCP request (start, tool list, call) may take by default. */
export const DEFAULT_MCP_TIMEOUT_SECONDS = 60;
/** Calls one worker makes to one server at once by default. */
export const DEFAULT_MCP_CONCURRENT_CALLS = 8;
/** Characters of one tool result the model sees by default. */
export const DEFAULT_MCP_MAX_RESULT_CHARS = 12_000;

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An HTTP header name is an RFC 9110 token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const AGENT_TYPE_KEY = /^(?:\*|[a-z][a-z0-9_-]*)$/;

const envVarName = z
  .string()
  .regex(ENV_VAR_NAME, { error: (iss) => `${show(iss.input)} is not an environment variable name (A-Z, 0-9, _)` });

const toolPatterns = z
  .array(
    z.string().regex(MCP_TOOL_PATTERN, {
      error: (iss) =>
        `${show(iss.input)} is not a tool name or pattern: use letters, digits, "_", "-", "." and "*" (any characters)`,
    }),
  )
  .max(200);

export const McpServerConfig = z
  .strictObject({
    command: z
      .string()
      .min(1)
      .optional()
      .describe('stdio server: the program the worker starts (looked up on the worker\'s PATH), e.g. "npx"'),
    args: z.array(z.string()).optional().describe('stdio server: the arguments of `command`'),
    env: z
      .record(
        z.string().regex(ENV_VAR_NAME),
        z.string(),
        badKey((key) => `${key} is not an environment variable name (A-Z, 0-9, _)`),
      )
      .optional()
      .describe('stdio server: literal environment variables for it; never secrets (they belong in envFrom)'),
    envFrom: z
      .array(envVarName)
      .optional()
      .describe("stdio server: names of the worker's environment variables passed through to it, e.g. API keys"),
    cwd: z
      .enum(['checkout', 'worker'])
      .optional()
      .describe(
        "stdio server: where it runs: 'checkout' in the task's checkout (one process per task), 'worker' (default) in the worker's directory",
      ),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:3000/mcp' })
      .optional()
      .describe('Streamable HTTP server: its endpoint, e.g. https://mcp.example.com/mcp'),
    headersFromEnv: z
      .record(
        z.string().regex(HEADER_NAME),
        envVarName,
        badKey((key) => `${key} is not an HTTP header name`),
      )
      .optional()
      .describe(
        'Streamable HTTP server: headers by name, each valued from the named worker environment variable when connecting, e.g. {"Authorization": "MCP_TOKEN"}',
      ),
    tools: z
      .record(
        z.string().regex(AGENT_TYPE_KEY),
        toolPatterns,
        badKey((key) => `${key} is not an agent type: use one such as "code", or "*" for every type`),
      )
      .optional()
      .describe(
        'Which tools each agent type may use, by agent type or "*" (a type\'s own entry wins); tool names or patterns with "*"; unset: all tools, every agent type',
      ),
    requiresApproval: toolPatterns
      .optional()
      .describe('Tools (names or patterns) whose every call waits for a person to approve or deny it'),
    idempotent: toolPatterns
      .optional()
      .describe(
        'Tools (names or patterns) whose calls may be made again after they may have run (a lost worker, a timeout); others are never retried',
      ),
    timeoutSeconds: z
      .number()
      .positive()
      .max(3600)
      .default(DEFAULT_MCP_TIMEOUT_SECONDS)
      .describe('Longest one request to the server (starting, listing tools, a call) may take; default 60'),
    stateful: z
      .boolean()
      .default(false)
      .describe('One server (process or session) per task instead of one shared by every task of the worker'),
    creditsPerCall: z
      .record(
        z.string().regex(MCP_TOOL_PATTERN),
        z.number().min(0).max(1_000_000),
        badKey((key) => `${key} is not a tool name or pattern: use letters, digits, "_", "-", "." and "*"`),
      )
      .optional()
      .describe(
        'Credits charged to the task for each call, by tool name or pattern (an exact name wins over patterns), e.g. {"search": 0.5}; unset: calls cost only the model\'s tokens',
      ),
    maxConcurrentCalls: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(DEFAULT_MCP_CONCURRENT_CALLS)
      .describe(
        "Most calls to this server one worker makes at once; more wait their turn (the model calls' rate limit never applies to them); default 8",
      ),
    maxResultChars: z
      .number()
      .int()
      .min(200)
      .max(200_000)
      .default(DEFAULT_MCP_MAX_RESULT_CHARS)
      .describe('Most characters of one result the model sees; longer ones are cut in the middle with a note'),
  })
  .superRefine((server, ctx) => {
    const stdioOnly = (['args', 'env', 'envFrom', 'cwd'] as const).filter((key) => server[key] !== undefined);
    if (server.command !== undefined && server.url !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'has both "command" (stdio) and "url" (Streamable HTTP); keep one' });
    } else if (server.command === undefined && server.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'needs "command" (a program the worker starts, spoken to over stdio) or "url" (a Streamable HTTP endpoint)',
      });
    } else if (server.url !== undefined) {
      for (const key of stdioOnly) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `applies to stdio servers (with "command") only; remove it, or use headersFromEnv for an HTTP server`,
        });
      }
    } else if (server.headersFromEnv !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersFromEnv'],
        message: 'applies to HTTP servers (with "url") only; pass a stdio server its secrets with envFrom',
      });
    }
  });
export type McpServerConfig = z.infer<typeof McpServerConfig>;

export const McpServersConfig = z.record(
  z.string().max(MAX_MCP_SERVER_NAME_CHARS).regex(MCP_SERVER_NAME),
  McpServerConfig,
  badKey(
    (key) =>
      `${key} is not a server name: use up to ${MAX_MCP_SERVER_NAME_CHARS} lowercase letters, digits, "-" and "_" (not "__", not last), starting with a letter, e.g. "files"`,
  ),
);
export type McpServersConfig = z.infer<typeof McpServersConfig>;

/**
 * Problems with the agent types the servers' `tools` maps name: each must be a built-in or custom agent type, or `*`,
 * lest a misspelt type silently give its agents no tools. Agent types can be custom, so this reads the whole file;
 * one line per problem, worded as load.ts words schema issues: `mcpServers.files.tools.cod: no agent type "cod" …`.
 */
export function mcpAgentTypeProblems(servers: McpServersConfig, knownAgentTypes: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [name, server] of Object.entries(servers)) {
    for (const agentType of Object.keys(server.tools ?? {})) {
      if (agentType === ANY_AGENT_TYPE || knownAgentTypes.includes(agentType)) continue;
      const meant = closestWord(agentType, knownAgentTypes);
      const hint = meant ? `did you mean "${meant}"?` : `use one of ${knownAgentTypes.join(', ')}, or "*"`;
      problems.push(`mcpServers.${name}.tools.${agentType}: no agent type "${agentType}" (${hint})`);
    }
  }
  return problems;
}

/** The error option of a record whose keys are checked: zod says only "Invalid key in record" by itself. */
function badKey(message: (quotedKey: string) => string) {
  return { error: (iss: z.core.$ZodRawIssue) => (iss.code === 'invalid_key' ? message(show(iss.input)) : undefined) };
}

function show(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : String(input);
}
