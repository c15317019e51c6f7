import type { McpCallResult } from '../../domain/mcp';
import { truncateOutput } from '../../domain/tools';
import type { Redact } from './secrets';

/**
 * A tool's answer as the text the model reads: text parts as they are, everything else described in a line
 * (`[image/png, 12 KB]`), since the agent loop passes tool results as text. Bounded by the server's maxResultChars,
 * with known secrets redacted before the cut (a secret cut in half would survive redaction).
 */

/** A content block as the SDK returns it; read loosely, since servers send kinds this code does not know yet. */
interface ContentPart {
  type: string;
  text?: unknown;
  data?: unknown;
  mimeType?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; mimeType?: unknown; text?: unknown; blob?: unknown };
}

/** The result of a `tools/call` that answered, flattened, redacted and cut. */
export function flattenToolResult(
  result: { content?: unknown; structuredContent?: unknown; isError?: unknown; toolResult?: unknown },
  maxChars: number,
  redact: Redact,
): Extract<McpCallResult, { ok: true }> {
  const parts = Array.isArray(result.content) ? (result.content as ContentPart[]) : [];
  let text = parts.map(describePart).join('\n');
  // Structured content is meant to come with its JSON as text too; when a server sends it alone, show the JSON.
  if (!text && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  // Servers of protocol 2024-10-07 answer `{ toolResult }`.
  if (!text && result.toolResult !== undefined) text = JSON.stringify(result.toolResult);
  const cut = truncateOutput(redact(text), maxChars);
  return { ok: true, text: cut.text, truncated: cut.truncated, isError: result.isError === true };
}

function describePart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? part.text : '';
    case 'image':
    case 'audio':
      return `[${str(part.mimeType) ?? part.type}, ${base64Size(part.data)}]`;
    case 'resource_link':
      return `[resource link: ${str(part.name) ?? ''} ${str(part.uri) ?? ''}${mime(part.mimeType)}]`;
    case 'resource': {
      const resource = part.resource ?? {};
      const uri = str(resource.uri) ?? '';
      if (typeof resource.text === 'string') return `[resource ${uri}${mime(resource.mimeType)}]\n${resource.text}`;
      return `[resource ${uri}${mime(resource.mimeType)}, ${base64Size(resource.blob)}]`;
    }
    default:
      return `[${part.type} content]`;
  }
}

/** The decoded size of base64 data, as people read sizes: `512 B`, `12 KB`, `3.4 MB`. */
function base64Size(data: unknown): string {
  if (typeof data !== 'string') return 'no data';
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = Math.max(0, Math.floor((data.length * 3) / 4) - padding);
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const mime = (value: unknown): string => (typeof value === 'string' ? `, ${value}` : '');
