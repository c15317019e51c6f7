import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { PLANWRIGHT_SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { UserError } from './errors';

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList' };
/** gRPC status of a call the server does not implement. */
const UNIMPLEMENTED = 12;
/** gRPC status of a call the caller may not make. */
const PERMISSION_DENIED = 7;
/** gRPC statuses that are no answer to the request (cancelled, deadline exceeded, unavailable, unauthenticated). */
const NOT_AN_ANSWER = new Set([1, 4, 14, 16]);

/**
 * Planwright's search attributes are not (known to be) registered and this process may not register them. Runs wait
 * at their first step until someone does: each upsert of an unregistered attribute fails the run's workflow task
 * (BadSearchAttributes), which the server retries, so they go on by themselves once the attributes exist.
 */
export class SearchAttributesNotRegisteredError extends UserError {
  override name = 'SearchAttributesNotRegisteredError';
}

/** The commands that register Planwright's search attributes, for servers that do not let the worker do it. */
export function searchAttributeCommands(namespace: string): string[] {
  return PLANWRIGHT_SEARCH_ATTRIBUTES.map(
    (k) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE[k.type]}`,
  );
}

/**
 * Registers the search attributes Planwright writes when the server lacks them; returns the names it registered.
 * Throws SearchAttributesNotRegisteredError, with the exact commands to run, when the server refuses to list or to
 * register them (Temporal Cloud, restricted clusters, a full namespace); other errors (unreachable, unauthenticated)
 * are thrown as they are.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const names = PLANWRIGHT_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ');
  const consequence =
    'this worker keeps running, but runs wait at their first step (their workflow tasks fail with ' +
    'BadSearchAttributes) until they are registered, then go on by themselves. Register them with (on Temporal ' +
    `Cloud: tcld or the Cloud UI):\n  ${searchAttributeCommands(namespace).join('\n  ')}`;
  let known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys({ ...existing.customAttributes, ...existing.systemAttributes }));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === PERMISSION_DENIED) {
      throw new SearchAttributesNotRegisteredError(
        `the server refused to list the search attributes of namespace "${namespace}" (${firstLine(err)}), so ` +
          `whether ${names} are registered is unknown (check TEMPORAL_API_KEY and its permissions); if they are not, ` +
          consequence,
      );
    }
    // Temporal's Java test server can add search attributes but not list them (gRPC UNIMPLEMENTED): add them all.
    if (code !== UNIMPLEMENTED) throw err;
  }
  const missing = PLANWRIGHT_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'number' || NOT_AN_ANSWER.has(code)) throw err;
    throw new SearchAttributesNotRegisteredError(
      `the server refused to register search attributes ${missing.map((k) => k.name).join(', ')} in namespace ` +
        `"${namespace}" (${firstLine(err)}); ${consequence}`,
    );
  }
  return missing.map((k) => k.name);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
