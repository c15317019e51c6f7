import type { McpServerConfig } from '../../config/mcp';
import { MCP_CONFIG_INVALID } from '../../domain/mcp';
import { mcpFailure } from './errors';

/**
 * What a server gets from the worker's environment, read when it starts or connects and never stored elsewhere: a
 * stdio server's environment (its literal `env` and the `envFrom` variables), an HTTP server's headers. A variable
 * the config names but the worker lacks is the user's to fix, said before anything starts.
 */

/** The environment of a stdio server, and the values that came from the worker's environment (secrets). */
export function stdioEnvironment(
  name: string,
  server: McpServerConfig,
  workerEnv: NodeJS.ProcessEnv,
): { env: Record<string, string>; secrets: string[] } {
  const env: Record<string, string> = { ...server.env };
  const secrets: string[] = [];
  for (const variable of server.envFrom ?? []) {
    const value = workerEnv[variable];
    if (value === undefined) {
      throw mcpFailure(
        MCP_CONFIG_INVALID,
        name,
        `environment variable ${variable} (mcpServers.${name}.envFrom) is not set on this worker; set it where the worker starts, or remove it from envFrom`,
      );
    }
    env[variable] = value;
    secrets.push(value);
  }
  return { env, secrets };
}

/** The headers of an HTTP server, valued from the worker's environment now; the values are all secrets. */
export function httpHeaders(
  name: string,
  server: McpServerConfig,
  workerEnv: NodeJS.ProcessEnv,
): { headers: Record<string, string>; secrets: string[] } {
  const headers: Record<string, string> = {};
  for (const [header, variable] of Object.entries(server.headersFromEnv ?? {})) {
    const value = workerEnv[variable];
    if (!value) {
      throw mcpFailure(
        MCP_CONFIG_INVALID,
        name,
        `header ${header} needs environment variable ${variable} (mcpServers.${name}.headersFromEnv), which is not set on this worker; set it where the worker starts`,
      );
    }
    headers[header] = value;
  }
  return { headers, secrets: Object.values(headers) };
}
