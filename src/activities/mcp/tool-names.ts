import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../../config/mcp';
import { closestWord } from '../../domain/edit-distance';
import { MCP_CONFIG_INVALID } from '../../domain/mcp';
import { mcpFailure } from './errors';

/** Tool names quoted when a configured name is not found; a server can have hundreds. */
const MAX_NAMES_SHOWN = 12;

/**
 * Checks that every plain tool name of a server's config (in `tools`, `requiresApproval`, `idempotent`) is a tool the
 * server lists: a misspelt name would silently give no agent the tool, or worse, skip an approval. Patterns with `*`
 * may match nothing (a server may not offer `write_*` in a read-only mode). Throws one line naming the key and fix.
 */
export function checkToolNames(name: string, server: McpServerConfig, tools: readonly Tool[]): void {
  const names = tools.map((tool) => tool.name);
  const known = new Set(names);
  const fields: Array<[string, readonly string[] | undefined]> = [
    ...Object.entries(server.tools ?? {}).map(([agentType, patterns]): [string, readonly string[]] => [
      `tools.${agentType}`,
      patterns,
    ]),
    ['requiresApproval', server.requiresApproval],
    ['idempotent', server.idempotent],
    ['creditsPerCall', Object.keys(server.creditsPerCall ?? {})],
  ];
  for (const [field, patterns] of fields) {
    const missing = (patterns ?? []).find((pattern) => !pattern.includes('*') && !known.has(pattern));
    if (missing === undefined) continue;
    const meant = closestWord(missing, names);
    const shown = names.slice(0, MAX_NAMES_SHOWN).join(', ') + (names.length > MAX_NAMES_SHOWN ? ', …' : '');
    const hint = meant ? `did you mean "${meant}"?` : names.length ? `its tools: ${shown}` : 'it lists no tools';
    throw mcpFailure(MCP_CONFIG_INVALID, name, `has no tool "${missing}" (mcpServers.${name}.${field}); ${hint}`);
  }
}
