import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Run status for the Web UI's list filter, e.g. `PlanwrightStatus = "awaiting_approval"`. */
export const RUN_STATUS_ATTRIBUTE = defineSearchAttributeKey('PlanwrightStatus', SearchAttributeType.KEYWORD);
/** How many tasks of the run wait for a person to approve credits. */
export const PENDING_APPROVALS_ATTRIBUTE = defineSearchAttributeKey(
  'PlanwrightPendingApprovals',
  SearchAttributeType.INT,
);

/**
 * The tools whose calls wait for a person, as `server.tool` (names only: search attributes are never encrypted, so
 * arguments stay in the encrypted status), e.g. `PlanwrightWaitingTools = "files.move_file"`.
 */
export const WAITING_TOOLS_ATTRIBUTE = defineSearchAttributeKey(
  'PlanwrightWaitingTools',
  SearchAttributeType.KEYWORD_LIST,
);

/** Every custom search attribute Planwright writes; the server must have them registered. */
export const PLANWRIGHT_SEARCH_ATTRIBUTES = [
  RUN_STATUS_ATTRIBUTE,
  PENDING_APPROVALS_ATTRIBUTE,
  WAITING_TOOLS_ATTRIBUTE,
] as const;

/** The `--search-attribute` flags of `temporal server start-dev` that register them. */
export function searchAttributeFlags(): string[] {
  const kinds: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList' };
  return PLANWRIGHT_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${kinds[k.type] ?? k.type}`]);
}
