import { z } from 'zod';
import {
  MAX_COMMAND_CHARS,
  MAX_LIST_ENTRIES,
  MAX_PATH_CHARS,
  MAX_READ_LINES,
  MAX_SEARCH_MATCHES,
  MAX_SUMMARY_CHARS,
  MAX_WRITE_CHARS,
} from './limits';
import { enabledTools, type ToolName } from './tools';
import type { WorkspacePolicy } from './workspace-policy-schema';

/**
 * The tools' input schemas: their `.describe()` texts are the model's documentation. Strict structured output
 * needs every property required (optional ones are nullable) and no defaults; size limits are refinements, which
 * the JSON schema leaves out and the parse enforces, so an oversized call comes back to the model as a tool error.
 */
const bounded = (max: number, what: string) =>
  z.string().refine((s) => s.length <= max, `${what} is longer than ${max} characters`);
const path = bounded(MAX_PATH_CHARS, 'the path');
const line = z.number().int().min(1);

export const ListFilesInput = z.object({
  path: path.nullable().describe('Directory to list, relative to the workspace root; null lists the whole workspace'),
});
export const ReadFileInput = z.object({
  path: path.describe('File to read, relative to the workspace root, e.g. src/index.ts'),
  startLine: line.nullable().describe('First line to read, counting from 1; null to start at the top'),
  endLine: line.nullable().describe(`Last line to read, inclusive; null to read on (at most ${MAX_READ_LINES} lines)`),
});
export const SearchInput = z.object({
  pattern: bounded(1000, 'the pattern').describe('Text to find; a POSIX extended regular expression if regex is true'),
  regex: z.boolean().describe('Whether pattern is a regular expression rather than plain text'),
  path: path.nullable().describe('Directory or file to search in; null searches the whole workspace'),
});
export const WriteFileInput = z.object({
  path: path.describe('File to create or overwrite, relative to the workspace root'),
  content: bounded(MAX_WRITE_CHARS, 'content').describe('The complete new content of the file'),
});
export const EditFileInput = z.object({
  path: path.describe('File to edit, relative to the workspace root'),
  oldText: bounded(MAX_WRITE_CHARS, 'oldText').describe(
    'Exact text to replace, including whitespace; it must occur exactly once, so include enough surrounding lines',
  ),
  newText: bounded(MAX_WRITE_CHARS, 'newText').describe('Text that replaces oldText; empty to delete it'),
});
export const RunCommandInput = z.object({
  command: bounded(MAX_COMMAND_CHARS, 'the command').describe(
    'One command line, e.g. npm test -- --grep parser; quote arguments holding spaces or * with single quotes',
  ),
});
export const FinishInput = z.object({
  summary: bounded(MAX_SUMMARY_CHARS, 'the summary').describe(
    'What you changed and how you checked it, in two or three sentences, for the reviewer and dependent tasks',
  ),
});

/** Each tool's input schema. */
export const TOOL_INPUTS = {
  list_files: ListFilesInput,
  read_file: ReadFileInput,
  search: SearchInput,
  write_file: WriteFileInput,
  edit_file: EditFileInput,
  run_command: RunCommandInput,
  finish: FinishInput,
} as const satisfies Record<ToolName, z.ZodObject>;

const callOf = <N extends ToolName, I extends z.ZodObject>(tool: N, input: I) =>
  z.object({
    id: z.string().describe("The provider's id for the call, echoed in its result"),
    tool: z.literal(tool).describe('Which tool was called'),
    input: input.describe("The call's parsed arguments"),
  });

/** One tool call an agent made, with its arguments parsed. */
export const ToolCall = z.discriminatedUnion('tool', [
  callOf('list_files', ListFilesInput),
  callOf('read_file', ReadFileInput),
  callOf('search', SearchInput),
  callOf('write_file', WriteFileInput),
  callOf('edit_file', EditFileInput),
  callOf('run_command', RunCommandInput),
  callOf('finish', FinishInput),
]);
export type ToolCall = z.infer<typeof ToolCall>;

/** What a tool call returned. A failure (bad path, command not allowed, timeout) is a result the model reads. */
export const ToolResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true).describe('The tool did its work'),
    output: z.string().describe("The tool's output, cut to the run's output limit"),
    truncated: z.boolean().describe('Whether output was cut'),
    exitCode: z.number().int().nullable().describe("run_command's exit code; null for other tools"),
  }),
  z.object({
    ok: z.literal(false).describe('The tool refused or failed; nothing was changed'),
    error: z.string().describe('What went wrong and how to do it right, addressed to the model'),
  }),
]);
export type ToolResult = z.infer<typeof ToolResult>;

/** A tool as offered to the model: its name, what it is for, and its input schema. */
export interface ToolDefinition {
  name: ToolName;
  description: string;
  input: z.ZodObject;
}

const list = (items: readonly string[]) => items.join(', ');

/** What each tool is for, told to the model; some name what the run's policy allows. */
function describeTool(name: ToolName, policy: WorkspacePolicy): string {
  const writable = `Writable paths (globs): ${list(policy.allowPaths)}; .git never.`;
  switch (name) {
    case 'list_files':
      return `List the workspace's files (not those git ignores), one path per line, at most ${MAX_LIST_ENTRIES}.`;
    case 'read_file':
      return `Read a text file or a range of its lines, at most ${MAX_READ_LINES} lines per call. Each line comes with its number and a tab, which are not part of the file.`;
    case 'search':
      return `Search the workspace's files (git grep). Returns matching lines as path:line:text, at most ${MAX_SEARCH_MATCHES}.`;
    case 'write_file':
      return `Create a file, or replace all of its content; missing directories are created. ${writable}`;
    case 'edit_file':
      return `Replace one exact occurrence of a text in a file: the way to change part of an existing file. ${writable}`;
    case 'run_command':
      return `Run one command in the workspace root, without a shell: no pipes, ;, &&, redirections, $(...) or variables. Returns the exit code and the combined output, cut to ${policy.maxOutputChars} characters; stopped after ${policy.commandTimeoutSeconds} s. Allowed commands, with any further arguments: ${list(policy.commands)}.`;
    case 'finish':
      return 'End your work on the task. Call it once, last, when the work is done and checked.';
  }
}

/** The tools `policy` offers (see enabledTools), each with its description and input schema. */
export function toolDefinitionsFor(policy: WorkspacePolicy): ToolDefinition[] {
  return enabledTools(policy).map((name) => ({
    name,
    description: describeTool(name, policy),
    input: TOOL_INPUTS[name],
  }));
}

/**
 * The JSON schema of a tool's input as providers take it for strict function calling: an object with every property
 * required and no additional ones. Built when a request is made, never stored in a history.
 */
export function toolParametersSchema(input: z.ZodObject): Record<string, unknown> {
  // "$schema" names the dialect; strict mode accepts only a documented subset of keywords, so it is left out.
  const schema: Record<string, unknown> = z.toJSONSchema(input, { target: 'draft-2020-12' });
  delete schema.$schema;
  return schema;
}

/**
 * Reads a call the model made into a ToolCall, or the error to send back as its result: a tool this policy does
 * not offer, arguments that are not JSON or do not fit the tool's schema.
 */
export function parseToolCall(
  policy: WorkspacePolicy,
  call: { id: string; name: string; arguments: string },
): { ok: true; call: ToolCall } | { ok: false; error: string } {
  const offered: readonly string[] = enabledTools(policy);
  if (!offered.includes(call.name)) return { ok: false, error: `no tool "${call.name}"; use one of ${list(offered)}` };
  let args: unknown;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    return { ok: false, error: invalidArgumentsMessage(call.name, call.arguments) };
  }
  const parsed = ToolCall.safeParse({ id: call.id, tool: call.name, input: args });
  if (parsed.success) return { ok: true, call: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.slice(1).join('.') || 'arguments'}: ${i.message}`);
  const hint = 'every field is required; send null where a field allows it';
  return { ok: false, error: `invalid arguments for ${call.name}: ${problems.join('; ')} (${hint})` };
}

/** Arguments longer than this that do not parse are taken for cut ones (short garbage is just invalid). */
const CUT_ARGUMENTS_CHARS = 1000;

/**
 * What the model reads about arguments that do not parse. Long arguments that stop before their closing brace were
 * most likely cut by the reply's token limit, which the model can avoid by writing in smaller parts.
 */
export function invalidArgumentsMessage(tool: string, args: string): string {
  const cut = args.length > CUT_ARGUMENTS_CHARS && !args.trim().endsWith('}');
  return cut
    ? `the arguments of ${tool} are cut short (the reply reached its token limit?): send less in one call, e.g. write a large file in parts with edit_file`
    : `the arguments of ${tool} are not valid JSON`;
}
