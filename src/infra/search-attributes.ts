import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { PLANWRIGHT_SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { UserError } from './errors';

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};
const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int' };
/** gRPC status of a call the server does not implement. */
const UNIMPLEMENTED = 12;

/** The commands that register Planwright's search attributes, for servers that do not let the worker do it. */
export function searchAttributeCommands(namespace: string): string[] {
  return PLANWRIGHT_SEARCH_ATTRIBUTES.map(
    (k) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE[k.type]}`,
  );
}

/**
 * Registers the search attributes Planwright writes when the server lacks them. Servers that refuse (Temporal Cloud,
 * restricted clusters) get the exact commands to run instead.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys({ ...existing.customAttributes, ...existing.systemAttributes }));
  } catch (err) {
    // Temporal's Java test server can add search attributes but not list them (gRPC UNIMPLEMENTED): add them all.
    if ((err as { code?: unknown }).code !== UNIMPLEMENTED) throw err;
  }
  const missing = PLANWRIGHT_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
    });
  } catch (err) {
    throw new UserError(
      `the server refused to register search attributes ${missing.map((k) => k.name).join(', ')} ` +
        `(${err instanceof Error ? err.message.split('\n')[0] : String(err)}); register them with:\n  ` +
        searchAttributeCommands(namespace).join('\n  '),
    );
  }
  return missing.map((k) => k.name);
}
