import { MAX_STEP_SUMMARY_CHARS } from './limits';
import type { ToolCall, ToolResult } from './tool-schemas';
import type { WorkspacePolicy } from './workspace-policy-schema';

/**
 * The tools of agents that act, as data the task workflow can load: names, which ones a policy offers, one-line
 * summaries of steps and bounded output. Zod-free on purpose; the input schemas, the model's documentation and the
 * JSON schemas for providers are in ./tool-schemas.ts.
 */

/** Every tool, in the order they are offered to the model. */
export const TOOL_NAMES = [
  'list_files',
  'read_file',
  'search',
  'write_file',
  'edit_file',
  'run_command',
  'finish',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
/** The tool that ends a round: always offered, never counted against tool-call limits. */
export const FINISH_TOOL: ToolName = 'finish';

/**
 * The tools offered under `policy`, in TOOL_NAMES order: the enabled ones, less those it leaves nothing to do with
 * (run_command without allowed commands, writing without allowed paths); finish always, so an agent can end.
 */
export function enabledTools(policy: Pick<WorkspacePolicy, 'tools' | 'commands' | 'allowPaths'>): ToolName[] {
  return TOOL_NAMES.filter((name) => {
    if (name === 'finish') return true;
    if (!policy.tools.includes(name)) return false;
    if (name === 'run_command') return policy.commands.length > 0;
    if (name === 'write_file' || name === 'edit_file') return policy.allowPaths.length > 0;
    return true;
  });
}

/**
 * A short, one-line account of a step for the Web UI and logs: `write src/csv.ts`, `read README.md:1-80`,
 * `run npm test → exit 1`, `read ../x ✗ ".." is not allowed…`. Without a result it describes the call alone.
 */
export function summarizeStep(call: ToolCall, result?: ToolResult): string {
  let text = describeCall(call);
  if (result && !result.ok) text += ` ✗ ${result.error}`;
  else if (result?.ok && call.tool === 'run_command' && result.exitCode !== null) text += ` → exit ${result.exitCode}`;
  return oneLine(text, MAX_STEP_SUMMARY_CHARS);
}

function describeCall(call: ToolCall): string {
  switch (call.tool) {
    case 'list_files':
      return `list ${call.input.path ?? '.'}`;
    case 'read_file': {
      const { path, startLine, endLine } = call.input;
      return startLine === null && endLine === null
        ? `read ${path}`
        : `read ${path}:${startLine ?? 1}-${endLine ?? ''}`;
    }
    case 'search':
      return `search ${JSON.stringify(oneLine(call.input.pattern, 40))}${call.input.path ? ` in ${call.input.path}` : ''}`;
    case 'write_file':
      return `write ${call.input.path}`;
    case 'edit_file':
      return `edit ${call.input.path}`;
    case 'run_command':
      return `run ${call.input.command}`;
    case 'finish':
      return `finish: ${call.input.summary}`;
  }
}

/** Collapses whitespace and control characters to single spaces and cuts to `max` characters, marking the cut. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Cuts tool output to at most `maxChars` characters, keeping its head and tail (where errors and summaries are) and
 * saying how much was left out in between.
 */
export function truncateOutput(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  if (maxChars < 64) return { text: text.slice(0, maxChars), truncated: true };
  const marker = (cut: number) => `\n… [${cut} characters cut] …\n`;
  const keep = Math.max(0, maxChars - marker(text.length).length);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  const cut = text.length - keep;
  return { text: text.slice(0, head) + marker(cut) + (tail > 0 ? text.slice(-tail) : ''), truncated: true };
}
