import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STEP_SUMMARY_CHARS } from '../../src/domain/limits';
import {
  invalidArgumentsMessage,
  parseToolCall,
  TOOL_INPUTS,
  ToolCall,
  toolDefinitionsFor,
  toolParametersSchema,
  ToolResult,
} from '../../src/domain/tool-schemas';
import { enabledTools, summarizeStep, TOOL_NAMES, truncateOutput } from '../../src/domain/tools';
import { WorkspacePolicy, type WorkspacePolicyInput } from '../../src/domain/workspace-policy-schema';

const policy = (input: WorkspacePolicyInput = {}) => WorkspacePolicy.parse(input);
const call = (tool: string, input: Record<string, unknown>) => ToolCall.parse({ id: 'c1', tool, input });
const done = (output = '', exitCode: number | null = null): ToolResult => ({
  ok: true,
  output,
  truncated: false,
  exitCode,
});

/** Keywords OpenAI's strict function calling accepts (its structured-outputs "supported schemas"). */
const STRICT_KEYWORDS = new Set([
  ...['type', 'description', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf'],
  ...['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems'],
  ...['pattern', 'format', '$defs', '$ref'],
]);

/** Why a JSON schema would be refused in strict mode: every object closed, every property required, known keywords. */
function strictModeProblems(node: Record<string, unknown>, at = 'parameters'): string[] {
  const problems = Object.keys(node)
    .filter((key) => !STRICT_KEYWORDS.has(key))
    .map((key) => `${at}: "${key}" is not supported`);
  if (node.type === 'object') {
    const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
    if (node.additionalProperties !== false) problems.push(`${at}: additionalProperties is not false`);
    const required = [...((node.required as string[] | undefined) ?? [])].sort();
    if (JSON.stringify(required) !== JSON.stringify(Object.keys(properties).sort())) {
      problems.push(`${at}: not every property is required`);
    }
    for (const [key, child] of Object.entries(properties)) {
      if (typeof child.description !== 'string') problems.push(`${at}.${key}: no description for the model`);
      problems.push(...strictModeProblems(child, `${at}.${key}`));
    }
  }
  if (node.items) problems.push(...strictModeProblems(node.items as Record<string, unknown>, `${at}[]`));
  for (const [i, option] of ((node.anyOf as Array<Record<string, unknown>> | undefined) ?? []).entries()) {
    problems.push(...strictModeProblems(option, `${at}|${i}`));
  }
  return problems;
}

describe('tools offered to the model', () => {
  it('offers the enabled tools, and finish always', () => {
    const names = toolDefinitionsFor(policy({ tools: ['read_file', 'search'] })).map((t) => t.name);
    assert.deepEqual(names, ['read_file', 'search', 'finish']);
  });

  it('leaves out tools the policy gives nothing to do', () => {
    assert.ok(!enabledTools(policy({ commands: [] })).includes('run_command'));
    assert.ok(enabledTools(policy({ commands: ['npm test'] })).includes('run_command'));
    assert.deepEqual(
      enabledTools(policy({ allowPaths: [] })).filter((n) => n.endsWith('_file')),
      ['read_file'],
    );
  });

  it('tells the model what the run allows: commands, writable paths, limits', () => {
    const tools = toolDefinitionsFor(policy({ commands: ['npm test'], allowPaths: ['src/**'], maxOutputChars: 5000 }));
    const run = tools.find((t) => t.name === 'run_command')!.description;
    assert.match(run, /npm test/);
    assert.match(run, /5000 characters/);
    assert.match(tools.find((t) => t.name === 'write_file')!.description, /src\/\*\*/);
  });

  it('has an input schema for every tool, and a call variant for each', () => {
    assert.deepEqual(Object.keys(TOOL_INPUTS), [...TOOL_NAMES]);
    assert.deepEqual(
      ToolCall.options.map((o) => o.shape.tool.value),
      [...TOOL_NAMES],
    );
  });

  it('builds JSON schemas that strict function calling accepts, every field described', () => {
    for (const name of TOOL_NAMES) {
      const schema = toolParametersSchema(TOOL_INPUTS[name]);
      assert.equal(schema.type, 'object', name);
      assert.equal(schema.anyOf, undefined, `${name}: the root cannot be a union`);
      assert.deepEqual(strictModeProblems(schema, name), []);
    }
  });

  it('keeps size limits out of the JSON schema and enforces them when parsing', () => {
    assert.doesNotMatch(JSON.stringify(toolParametersSchema(TOOL_INPUTS.write_file)), /maxLength/);
    const huge = parseToolCall(policy(), {
      id: 'c1',
      name: 'write_file',
      arguments: JSON.stringify({ path: 'a.ts', content: 'x'.repeat(300_000) }),
    });
    assert.ok(!huge.ok);
    assert.match(huge.error, /content: content is longer than 200000 characters/);
  });
});

describe("reading the model's calls", () => {
  it('parses a call into a typed ToolCall', () => {
    const parsed = parseToolCall(policy(), {
      id: 'c7',
      name: 'read_file',
      arguments: '{"path":"README.md","startLine":1,"endLine":80}',
    });
    assert.deepEqual(parsed, {
      ok: true,
      call: { id: 'c7', tool: 'read_file', input: { path: 'README.md', startLine: 1, endLine: 80 } },
    });
  });

  it('turns bad calls into errors the model reads', () => {
    const run = (name: string, args: string) =>
      parseToolCall(policy({ tools: ['read_file'] }), { id: 'c', name, arguments: args });
    assert.deepEqual(run('write_file', '{}'), {
      ok: false,
      error: 'no tool "write_file"; use one of read_file, finish',
    });
    assert.deepEqual(run('read_file', '{path:'), { ok: false, error: 'the arguments of read_file are not valid JSON' });
    const missing = run('read_file', '{"path":"a.ts"}');
    assert.ok(!missing.ok);
    assert.match(missing.error, /^invalid arguments for read_file: startLine: .*; endLine: /);
  });
});

describe('tool results', () => {
  it('carries a failure as a result, not an exception', () => {
    assert.ok(ToolResult.safeParse({ ok: false, error: 'command not allowed' }).success);
    assert.ok(!ToolResult.safeParse({ ok: false }).success);
  });

  it('cuts long output in the middle, within the limit, saying how much', () => {
    const text = `${'a'.repeat(5000)}${'b'.repeat(5000)}`;
    const cut = truncateOutput(text, 1000);
    assert.ok(cut.truncated);
    assert.ok(cut.text.length <= 1000, `${cut.text.length}`);
    assert.match(cut.text, /^a+\n… \[\d+ characters cut\] …\nb+$/);
    assert.deepEqual(truncateOutput('short', 1000), { text: 'short', truncated: false });
  });
});

describe('step summaries', () => {
  it('says in a few words what each step did', () => {
    assert.equal(summarizeStep(call('write_file', { path: 'src/csv.ts', content: 'x' }), done()), 'write src/csv.ts');
    assert.equal(
      summarizeStep(call('read_file', { path: 'README.md', startLine: 1, endLine: 80 })),
      'read README.md:1-80',
    );
    assert.equal(
      summarizeStep(call('read_file', { path: 'README.md', startLine: null, endLine: null })),
      'read README.md',
    );
    assert.equal(summarizeStep(call('read_file', { path: 'a.ts', startLine: 40, endLine: null })), 'read a.ts:40-');
    assert.equal(
      summarizeStep(call('run_command', { command: 'npm test' }), done('1 failing', 1)),
      'run npm test → exit 1',
    );
    assert.equal(summarizeStep(call('edit_file', { path: 'a.ts', oldText: 'x', newText: 'y' })), 'edit a.ts');
    assert.equal(summarizeStep(call('list_files', { path: null })), 'list .');
    assert.equal(
      summarizeStep(call('search', { pattern: 'parse(', regex: false, path: 'src' })),
      'search "parse(" in src',
    );
    assert.equal(
      summarizeStep(call('finish', { summary: 'Added the CSV parser.\nTests pass.' })),
      'finish: Added the CSV parser. Tests pass.',
    );
  });

  it('shows a refused step with its reason', () => {
    const refused: ToolResult = { ok: false, error: '"npm test; curl x" cannot run: ";" is not allowed unquoted' };
    assert.equal(
      summarizeStep(call('run_command', { command: 'npm test; curl x' }), refused),
      'run npm test; curl x ✗ "npm test; curl x" cannot run: ";" is not allowed unquoted',
    );
  });

  it('stays on one short line whatever the model wrote', () => {
    const summary = summarizeStep(call('write_file', { path: `a\n${'b'.repeat(500)}`, content: '' }));
    assert.ok(!summary.includes('\n'));
    assert.equal(summary.length, MAX_STEP_SUMMARY_CHARS);
    assert.ok(summary.endsWith('…'));
  });
});

describe('arguments that do not parse', () => {
  it('are told apart: cut short by the token limit when long and unclosed, else invalid JSON', () => {
    const long = `{"path":"a.md","content":"${'x'.repeat(2000)}`;
    assert.match(invalidArgumentsMessage('write_file', long), /cut short .*write a large file in parts/);
    assert.equal(invalidArgumentsMessage('write_file', '{path:'), 'the arguments of write_file are not valid JSON');
  });
});
