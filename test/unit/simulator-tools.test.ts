/**
 * The simulator as a tool-using agent, through the real openai SDK on both APIs, streaming and not. Unit tier: the
 * simulator runs in-process, tool calls are carried out by a small fake against a temp dir, and the files the default
 * agent writes are run with `node --test`, so the "working code task" it plays really works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { RawToolCall } from '../../src/domain/agent-loop';
import { CALL_HEADERS } from '../../src/domain/model';
import { HEADINGS, VERIFY_LINE_PREFIX } from '../../src/domain/prompts';
import { TOOL_INPUTS, toolParametersSchema } from '../../src/domain/tool-schemas';
import { TOOL_NAMES, type ToolName } from '../../src/domain/tools';
import { parseScenario, type ScenarioInput } from '../../src/simulator/scenario';
import { startSimulator, type Simulator } from '../../src/simulator/server';

let sim: Simulator;
let client: OpenAI;
const dirs: string[] = [];
before(async () => {
  sim = await startSimulator();
  client = new OpenAI({ apiKey: 'sim', baseURL: sim.url, maxRetries: 0 });
});
after(async () => {
  await sim.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface Mode {
  api: 'chat' | 'responses';
  stream: boolean;
}
const MODES: Mode[] = [
  { api: 'chat', stream: false },
  { api: 'chat', stream: true },
  { api: 'responses', stream: false },
  { api: 'responses', stream: true },
];
const label = (m: Mode) => `${m.api === 'chat' ? 'Chat Completions' : 'Responses'}${m.stream ? ', streaming' : ''}`;

/** The conversation, provider-neutral; sent in each API's shape. */
type Item =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; text: string; calls: RawToolCall[] }
  | { role: 'tool'; callId: string; output: string };

interface Turn {
  text: string;
  calls: RawToolCall[];
  /** Streamed argument deltas per call; 1 when not streamed. */
  argumentChunks: number[];
  inputTokens: number;
  outputTokens: number;
}

interface TurnOptions {
  task: string;
  tools?: readonly ToolName[];
  parallel?: boolean;
}

function taskPrompt(o: { id: string; title: string; verify?: string[]; feedback?: string }): Item[] {
  const lines = [HEADINGS.goal, 'A small library', '', `${HEADINGS.task} ${o.id}: ${o.title}`, 'Write it, tested.', ''];
  lines.push(HEADINGS.criteria, '1. It returns the title', '2. It says "done" when done', '');
  if (o.feedback)
    lines.push(`${HEADINGS.feedback} (round 1: FAIL)`, 'Misses one.', 'Fixes required:', `- ${o.feedback}`);
  lines.push('', '# Your workspace', 'You work in a git checkout through the tools you are given.');
  if (o.verify) lines.push(`${VERIFY_LINE_PREFIX}${JSON.stringify(o.verify)}`);
  return [
    { role: 'system', content: 'You are a senior software engineer.' },
    { role: 'user', content: lines.join('\n') },
  ];
}

function toChat(items: readonly Item[]): OpenAI.ChatCompletionMessageParam[] {
  return items.map((i): OpenAI.ChatCompletionMessageParam => {
    if (i.role === 'tool') return { role: 'tool', tool_call_id: i.callId, content: i.output };
    if (i.role !== 'assistant') return i;
    const tool_calls = i.calls.map((c) => ({
      id: c.id,
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    }));
    return { role: 'assistant', content: i.text || null, ...(tool_calls.length > 0 ? { tool_calls } : {}) };
  });
}

function toResponses(items: readonly Item[]): OpenAI.Responses.ResponseInputItem[] {
  return items.flatMap((i): OpenAI.Responses.ResponseInputItem[] => {
    if (i.role === 'tool') return [{ type: 'function_call_output', call_id: i.callId, output: i.output }];
    if (i.role !== 'assistant') return [i];
    const calls = i.calls.map((c) => ({
      type: 'function_call' as const,
      call_id: c.id,
      name: c.name,
      arguments: c.arguments,
    }));
    return [...(i.text ? [{ role: 'assistant' as const, content: i.text }] : []), ...calls];
  });
}

const toolDefinition = (name: ToolName) => ({
  name,
  description: `the ${name} tool`,
  parameters: toolParametersSchema(TOOL_INPUTS[name]),
  strict: true,
});

type StreamedCall = RawToolCall & { chunks: number };
const options = (task: string) => ({ headers: { [CALL_HEADERS.kind]: 'implementer', [CALL_HEADERS.task]: task } });

/** One model turn on `mode`, read back from the wire as a client would, checking the wire's own consistency. */
function turn(mode: Mode, items: readonly Item[], o: TurnOptions): Promise<Turn> {
  const tools = (o.tools ?? TOOL_NAMES).map(toolDefinition);
  const parallel = o.parallel === false ? { parallel_tool_calls: false } : {};
  if (mode.api === 'chat') {
    const chatTools = tools.map((t) => ({ type: 'function' as const, function: t }));
    const body = { model: 'gpt-4.1-mini', messages: toChat(items), tools: chatTools, ...parallel };
    return mode.stream ? chatStreamTurn(body, o.task) : chatTurn(body, o.task);
  }
  const responseTools = tools.map((t) => ({ type: 'function' as const, ...t }));
  const body = { model: 'gpt-4.1-mini', input: toResponses(items), tools: responseTools, ...parallel };
  return mode.stream ? responsesStreamTurn(body, o.task) : responsesTurn(body, o.task);
}

async function chatTurn(body: OpenAI.ChatCompletionCreateParamsNonStreaming, task: string): Promise<Turn> {
  const completion = await client.chat.completions.create(body, options(task));
  const choice = completion.choices[0]!;
  const calls = (choice.message.tool_calls ?? []).map((c) => {
    assert.equal(c.type, 'function');
    return { id: c.id, name: c.function.name, arguments: c.function.arguments, chunks: 1 };
  });
  assert.equal(choice.finish_reason, calls.length > 0 ? 'tool_calls' : 'stop');
  const usage = completion.usage!;
  return turnOf(choice.message.content ?? '', calls, usage.prompt_tokens, usage.completion_tokens);
}

async function chatStreamTurn(body: OpenAI.ChatCompletionCreateParamsNonStreaming, task: string): Promise<Turn> {
  const request = { ...body, stream: true as const, stream_options: { include_usage: true } };
  const stream = await client.chat.completions.create(request, options(task));
  const calls: StreamedCall[] = [];
  let text = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    usage = chunk.usage ?? usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? '';
    finish = choice.finish_reason ?? finish;
    // The first delta of a call carries its id and name; the ones after it, more of its arguments.
    for (const d of choice.delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', name: '', arguments: '', chunks: 0 });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name = d.function.name;
      if (!d.function?.arguments) continue;
      call.arguments += d.function.arguments;
      call.chunks++;
    }
  }
  assert.equal(finish, calls.length > 0 ? 'tool_calls' : 'stop');
  return turnOf(text, calls, usage!.prompt_tokens, usage!.completion_tokens);
}

async function responsesTurn(body: OpenAI.Responses.ResponseCreateParamsNonStreaming, task: string): Promise<Turn> {
  const response = await client.responses.create(body, options(task));
  const calls = response.output.flatMap((o) =>
    o.type === 'function_call' ? [{ id: o.call_id, name: o.name, arguments: o.arguments, chunks: 1 }] : [],
  );
  return turnOf(response.output_text, calls, response.usage!.input_tokens, response.usage!.output_tokens);
}

async function responsesStreamTurn(body: OpenAI.Responses.ResponseCreateParamsNonStreaming, task: string) {
  const stream = await client.responses.create({ ...body, stream: true }, options(task));
  const calls = new Map<number, StreamedCall>();
  let text = '';
  let final: OpenAI.Responses.Response | undefined;
  for await (const event of stream) {
    if (event.type === 'response.output_item.added' && event.item.type === 'function_call') {
      assert.equal(event.item.arguments, '');
      calls.set(event.output_index, { id: event.item.call_id, name: event.item.name, arguments: '', chunks: 0 });
    } else if (event.type === 'response.function_call_arguments.delta') {
      const call = calls.get(event.output_index)!;
      call.arguments += event.delta;
      call.chunks++;
    } else if (event.type === 'response.function_call_arguments.done') {
      assert.equal(event.arguments, calls.get(event.output_index)!.arguments);
    } else if (event.type === 'response.output_item.done' && event.item.type === 'function_call') {
      assert.equal(event.item.arguments, calls.get(event.output_index)!.arguments);
    } else if (event.type === 'response.output_text.delta') text += event.delta;
    else if (event.type === 'response.completed') final = event.response;
  }
  const streamed = [...calls.values()];
  const completed = final!.output.flatMap((o) => (o.type === 'function_call' ? [o.call_id + o.arguments] : []));
  assert.deepEqual(
    completed,
    streamed.map((c) => c.id + c.arguments),
    'the completed response holds the streamed calls',
  );
  return turnOf(text, streamed, final!.usage!.input_tokens, final!.usage!.output_tokens);
}

function turnOf(text: string, calls: StreamedCall[], inputTokens: number, outputTokens: number): Turn {
  return {
    text,
    calls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })),
    argumentChunks: calls.map((c) => c.chunks),
    inputTokens,
    outputTokens,
  };
}

/** Tool results as the agent loop sends them (src/activities/agent-loop/step.ts): the output, or `error: …`. */
const ok = (output: string, exitCode: number | null = null) =>
  exitCode === null ? output : `exit code ${exitCode}\n${output || '(no output)'}`;
const refused = (error: string) => `error: ${error}`;

function run(command: string, cwd: string): Promise<{ output: string; exitCode: number }> {
  const [file, ...args] = command.split(' ');
  // A nested runner must not believe it is a child of this test run.
  const env = { ...process.env, NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined };
  return new Promise((resolve) => {
    execFile(file!, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ output: `${stdout}${stderr}`, exitCode });
    });
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** A file as read_file shows it: each line with its number and a tab. */
const numbered = (text: string) =>
  text
    .split('\n')
    .map((line, i) => `${i + 1}\t${line}`)
    .join('\n');

/** Carries out a call of the default agent in `dir`, as the real tools would answer. */
async function execute(dir: string, call: RawToolCall, verify: readonly string[]): Promise<string> {
  const args = JSON.parse(call.arguments) as Record<string, string>;
  const file = (p: string) => {
    const full = path.resolve(dir, p);
    assert.ok(full.startsWith(dir + path.sep), `the default agent stays inside the workspace: ${p}`);
    return full;
  };
  switch (call.name) {
    case 'list_files':
      return ok((await listFiles(dir)).join('\n'));
    case 'read_file':
      return readFile(file(args.path!), 'utf8').then(
        (text) => ok(numbered(text)),
        () => refused(`${args.path} does not exist`),
      );
    case 'write_file':
      await mkdir(path.dirname(file(args.path!)), { recursive: true });
      await writeFile(file(args.path!), args.content!);
      return ok(`wrote ${args.path}`);
    case 'run_command': {
      assert.ok(verify.includes(args.command!), `runs only a verify command, not ${args.command}`);
      const result = await run(args.command!, dir);
      return ok(result.output, result.exitCode);
    }
    default:
      return ok('');
  }
}

async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'planwright-sim-tools-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

/** Runs the agent until it finishes (or stops calling tools), carrying out its calls in `dir`. */
async function drive(
  mode: Mode,
  dir: string,
  prompt: { id: string; title: string; verify?: string[]; feedback?: string },
  o: Omit<TurnOptions, 'task'> = {},
  items: Item[] = taskPrompt(prompt),
) {
  const turns: Turn[] = [];
  for (let i = 0; i < 12; i++) {
    const t = await turn(mode, items, { task: prompt.id, ...o });
    turns.push(t);
    items.push({ role: 'assistant', text: t.text, calls: t.calls });
    if (t.calls.length === 0 || t.calls.some((c) => c.name === 'finish')) break;
    for (const call of t.calls)
      items.push({ role: 'tool', callId: call.id, output: await execute(dir, call, prompt.verify ?? []) });
  }
  const last = turns.at(-1)!.calls.find((c) => c.name === 'finish');
  const summary = last ? (JSON.parse(last.arguments) as { summary: string }).summary : turns.at(-1)!.text;
  return { turns, names: turns.map((t) => t.calls.map((c) => c.name)), summary, items };
}

const argsOf = (call: RawToolCall) => JSON.parse(call.arguments) as Record<string, unknown>;
const FULL_FLOW = [['list_files', 'read_file'], ['write_file'], ['write_file'], ['run_command'], ['finish']];

describe('simulator tool agent: without a script it does a small code task that really works', () => {
  for (const mode of MODES) {
    it(`lists, writes a module and its test, runs the verify command and finishes, on ${label(mode)}`, async () => {
      sim.setScenario({});
      const dir = await workspace({ 'package.json': '{ "name": "lib" }\n' });
      const { turns, names, summary } = await drive(mode, dir, {
        id: 'Csv.Parse',
        title: 'Parse "CSV"',
        verify: ['node --test'],
      });
      assert.deepEqual(names, FULL_FLOW);
      assert.deepEqual(argsOf(turns[0]!.calls[0]!), { path: null });
      assert.deepEqual(argsOf(turns[0]!.calls[1]!), { path: 'package.json', startLine: null, endLine: null });
      assert.equal(argsOf(turns[1]!.calls[0]!).path, 'src/csv-parse.js');
      assert.equal(argsOf(turns[2]!.calls[0]!).path, 'test/csv-parse.test.js');
      assert.deepEqual(argsOf(turns[3]!.calls[0]!), { command: 'node --test' });
      assert.match(summary, /src\/csv-parse\.js .*test\/csv-parse\.test\.js.*node --test passed/);
      for (const t of turns) assert.ok(t.inputTokens > 0 && t.outputTokens > 0, 'usage is reported on every turn');
      assert.ok(turns[1]!.inputTokens > turns[0]!.inputTokens, 'the growing transcript is counted');
      if (mode.stream) assert.ok(turns[1]!.argumentChunks[0]! > 1, 'arguments stream over several chunks');
      const check = await run('node --test', dir);
      assert.equal(check.exitCode, 0, check.output);
      assert.match(check.output, /# pass 2/);
      const ids = turns.flatMap((t) => t.calls.map((c) => c.id));
      assert.equal(new Set(ids).size, ids.length, 'every call has its own id');
    });
  }

  it('writes ES modules when package.json says "type": "module", and their test passes as well', async () => {
    sim.setScenario({});
    const dir = await workspace({ 'package.json': '{ "type": "module" }\n' });
    const { names, turns } = await drive(MODES[0]!, dir, { id: '7up', title: 'Seven', verify: ['node --test'] });
    assert.deepEqual(names, FULL_FLOW);
    assert.match(String(argsOf(turns[1]!.calls[0]!).content), /^export function task7upTitle\(\)/m);
    const check = await run('node --test', dir);
    assert.equal(check.exitCode, 0, check.output);
  });

  it('retries a failing verify command once, then finishes saying it still fails', async () => {
    sim.setScenario({});
    const dir = await workspace();
    const failing = 'node -e process.exit(3)';
    const { names, summary } = await drive(MODES[2]!, dir, { id: 't1', title: 'T', verify: [failing, 'node --test'] });
    assert.deepEqual(names, [...FULL_FLOW.slice(0, 4), ['run_command'], ['finish']]);
    assert.match(summary, /node -e process\.exit\(3\) still fails \(exit 3\) after 2 runs/);
  });

  it('does the same flow when answering reviewer feedback, and names the fix in its summary', async () => {
    sim.setScenario({});
    const dir = await workspace();
    const feedback = 'Say "done" when done';
    const { names, summary } = await drive(MODES[1]!, dir, { id: 't1', title: 'T', verify: ['node --test'], feedback });
    assert.deepEqual(names, FULL_FLOW);
    assert.match(summary, /Revised after review: Say "done" when done\./);
  });

  it('only reads and finishes when the request offers no tool to write or run, and runs nothing without a verify line', async () => {
    sim.setScenario({});
    const dir = await workspace({ 'package.json': '{}' });
    const readOnly = await drive(
      MODES[3]!,
      dir,
      { id: 't1', title: 'T', verify: ['node --test'] },
      { tools: ['list_files', 'read_file', 'finish'] },
    );
    assert.deepEqual(readOnly.names, [['list_files', 'read_file'], ['finish']]);
    assert.match(readOnly.summary, /Changed nothing: no write_file tool/);
    const noVerify = await drive(MODES[0]!, await workspace(), { id: 't2', title: 'T' });
    assert.deepEqual(noVerify.names, [...FULL_FLOW.slice(0, 3), ['finish']]);
    assert.match(noVerify.summary, /No verify command was given/);
  });

  it('starts the flow again when a failed verify command is reported in the same conversation, and says so', async () => {
    sim.setScenario({});
    const dir = await workspace();
    const prompt = { id: 't1', title: 'T' };
    const first = await drive(MODES[0]!, dir, prompt);
    const report = { role: 'user' as const, content: 'The verify command npm test failed (exit 1).' };
    const second = await drive(MODES[2]!, dir, prompt, {}, [...first.items, report]);
    assert.deepEqual(second.names, [...FULL_FLOW.slice(0, 3), ['finish']]);
    assert.match(second.summary, /Revised after a verify command failed\./);
  });

  it('answers with text when finish is not offered, and a nudge to use tools does not start it over', async () => {
    sim.setScenario({});
    const tools: ToolName[] = ['list_files', 'read_file', 'write_file'];
    const { names, summary, items } = await drive(MODES[1]!, await workspace(), { id: 't1', title: 'T' }, { tools });
    assert.deepEqual(names, [...FULL_FLOW.slice(0, 3), []]);
    assert.match(summary, /^Added src\/t1\.js/);
    items.push({ role: 'user', content: 'Use the tools to do the work, and call finish when you are done.' });
    const after = await turn(MODES[3]!, items, { task: 't1', tools });
    assert.deepEqual([after.calls, after.text], [[], summary]);
  });

  it('reads results given as ToolResult JSON as well: package.json, then the exit code of a run', async () => {
    sim.setScenario({});
    const json = (output: string, exitCode: number | null = null) =>
      JSON.stringify({ ok: true, output, truncated: false, exitCode });
    const items = taskPrompt({ id: 't1', title: 'T', verify: ['npm test'] });
    const step = (name: string, args: object, output: string) => {
      const id = `c${items.length}`;
      items.push({ role: 'assistant', text: '', calls: [{ id, name, arguments: JSON.stringify(args) }] });
      items.push({ role: 'tool', callId: id, output });
    };
    step('list_files', { path: null }, json('package.json'));
    step('read_file', { path: 'package.json', startLine: null, endLine: null }, json('1\t{ "type": "module" }'));
    const write = await turn(MODES[0]!, items, { task: 't1' });
    assert.match(String(argsOf(write.calls[0]!).content), /^export function t1Title/m);
    step('write_file', argsOf(write.calls[0]!), json('wrote'));
    step('write_file', { path: 'test/t1.test.js', content: '' }, json('wrote'));
    step('run_command', { command: 'npm test' }, json('1 failing', 1));
    const retry = await turn(MODES[2]!, items, { task: 't1' });
    assert.deepEqual(retry.calls.map(argsOf), [{ command: 'npm test' }]);
  });

  it('makes one call per turn when the request turns parallel tool calls off', async () => {
    sim.setScenario({});
    const { names } = await drive(MODES[1]!, await workspace(), { id: 't1', title: 'T' }, { parallel: false });
    assert.deepEqual(names, [['list_files'], ['read_file'], ['write_file'], ['write_file'], ['finish']]);
  });

  it('answers the same conversation with the same calls, ids included, on both APIs', async () => {
    sim.setScenario({});
    const items = taskPrompt({ id: 't1', title: 'T', verify: ['npm test'] });
    items.push({ role: 'assistant', text: '', calls: [{ id: 'c1', name: 'list_files', arguments: '{"path":null}' }] });
    items.push({ role: 'tool', callId: 'c1', output: ok('README.md') });
    const first = await turn(MODES[0]!, items, { task: 't1' });
    assert.deepEqual((await turn(MODES[0]!, items, { task: 't1' })).calls, first.calls);
    assert.deepEqual((await turn(MODES[3]!, items, { task: 't1' })).calls, first.calls);
    assert.deepEqual(
      first.calls.map((c) => [c.name, argsOf(c).path]),
      [['read_file', 'package.json']],
    );
  });

  it('asks for text, not tools, when tool_choice is "none"', async () => {
    sim.setScenario({});
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: toChat(taskPrompt({ id: 't1', title: 'T' })),
      tools: [{ type: 'function', function: toolDefinition('finish') }],
      tool_choice: 'none',
    });
    assert.equal(completion.choices[0]!.message.tool_calls, undefined);
  });
});

/** Plays `turns` requests on `mode`, feeding back a refusal for every call, and returns each turn's calls. */
async function playScript(mode: Mode, task: string, turns: number, o: Omit<TurnOptions, 'task'> = {}) {
  const items = taskPrompt({ id: task, title: 'Scripted', verify: ['npm test'] });
  const played: { name: string; arguments: string }[][] = [];
  const texts: string[] = [];
  for (let i = 0; i < turns; i++) {
    const t = await turn(mode, items, { task, ...o });
    played.push(t.calls.map(({ name, arguments: args }) => ({ name, arguments: args })));
    texts.push(t.text);
    items.push({ role: 'assistant', text: t.text, calls: t.calls });
    for (const call of t.calls) items.push({ role: 'tool', callId: call.id, output: refused('not allowed') });
  }
  return { played, texts };
}

const call = (name: string, args: unknown) => ({
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});
const read = (p: string) => ({ path: p, startLine: null, endLine: null });

describe('simulator tool agent: a task with a tool script plays it verbatim', () => {
  const hostile: ScenarioInput = {
    tasks: {
      evil: {
        toolScript: [
          { tool: 'read_file', arguments: read('../../etc/passwd') },
          [
            { tool: 'read_file', arguments: read('.git/config') },
            { tool: 'run_command', arguments: { command: 'env' } },
          ],
          { tool: 'run_command', arguments: { command: 'cat /proc/1/environ' } },
          { tool: 'run_command', arguments: { command: "sh -c ':(){ :|:& };:'" } },
          { tool: 'run_command', arguments: { command: "sh -c 'yes | head -c 5000000'" } },
          { tool: 'delete_everything', arguments: '{"path": "/", oops' },
          { tool: 'write_file' },
        ],
      },
    },
  };
  const expected = [
    [call('read_file', read('../../etc/passwd'))],
    [call('read_file', read('.git/config')), call('run_command', { command: 'env' })],
    [call('run_command', { command: 'cat /proc/1/environ' })],
    [call('run_command', { command: "sh -c ':(){ :|:& };:'" })],
    [call('run_command', { command: "sh -c 'yes | head -c 5000000'" })],
    [call('delete_everything', '{"path": "/", oops')],
    [call('write_file', {})],
  ];

  for (const mode of MODES) {
    it(`plays any tool name and raw arguments one turn per request, then finishes, on ${label(mode)}`, async () => {
      sim.setScenario(hostile);
      // Tools offered or not, the script is played as written: it is how tests reach the tools' own refusals.
      const { played } = await playScript(mode, 'evil', expected.length + 1, { tools: ['list_files', 'finish'] });
      assert.deepEqual(played.slice(0, -1), expected);
      assert.deepEqual(played.at(-1), [call('finish', { summary: 'Played the 7 scripted turns of task evil.' })]);
    });
  }

  it('leaves other tasks to the default agent', async () => {
    sim.setScenario(hostile);
    const { played } = await playScript(MODES[0]!, 'good', 1);
    assert.deepEqual(
      played[0]!.map((c) => c.name),
      ['list_files', 'read_file'],
    );
  });

  it('repeats its last turn forever, or ends with text and no call, as toolScriptEnd says', async () => {
    const script = [
      { tool: 'list_files', arguments: { path: null } },
      { tool: 'run_command', arguments: { command: 'ls' } },
    ];
    sim.setScenario({
      tasks: {
        a: { toolScript: script, toolScriptEnd: 'repeat-last' },
        b: { toolScript: script, toolScriptEnd: 'text' },
      },
    });
    const a = await playScript(MODES[1]!, 'a', 5);
    assert.deepEqual(
      a.played.map((t) => t.map((c) => c.name)),
      [['list_files'], ...Array(4).fill(['run_command'])],
    );
    const b = await playScript(MODES[3]!, 'b', 3);
    assert.deepEqual(b.played[2], []);
    assert.equal(b.texts[2], 'Played the 2 scripted turns of task b.');
  });

  it('goes on where a rebuilt conversation left off, counting the recapped steps', async () => {
    sim.setScenario({
      tasks: { r: { toolScript: [{ tool: 'list_files' }, { tool: 'search' }, { tool: 'edit_file' }] } },
    });
    const items = taskPrompt({ id: 'r', title: 'Rebuilt' });
    const opening = items[1] as { content: string };
    opening.content += '\n\n# Steps already taken\nYour work moved to another machine:\n- list .\n- search "x"';
    const t = await turn(MODES[0]!, items, { task: 'r' });
    assert.deepEqual(
      t.calls.map((c) => c.name),
      ['edit_file'],
    );
  });

  it('validates the script in the scenario, and defaults arguments to {}', () => {
    const parsed = parseScenario({
      tasks: { x: { toolScript: [{ tool: 'finish' }, [{ tool: 'a', arguments: 'raw' }]] } },
    });
    assert.deepEqual(parsed.tasks.x!.toolScript, [{ tool: 'finish' }, [{ tool: 'a', arguments: 'raw' }]]);
    assert.equal(parsed.tasks.x!.toolScriptEnd, 'finish');
    assert.throws(() => parseScenario({ tasks: { x: { toolScript: [[]] } } }), /scenario is invalid/);
    assert.throws(() => parseScenario({ tasks: { x: { toolScript: [{ tool: '' }] } } }), /scenario is invalid/);
  });
});

describe('simulator tool agent: faults reach tool turns as they reach text answers', () => {
  it('sends truncated or malformed arguments, and refuses with no calls, when the scenario says so', async () => {
    sim.setScenario({
      faults: [
        { task: 'f', type: 'truncated' },
        { task: 'f', type: 'malformed' },
        { task: 'f', type: 'refusal', message: 'No.' },
      ],
    });
    const items = taskPrompt({ id: 'f', title: 'Faulty' });
    const truncated = await turn(MODES[0]!, items, { task: 'f' });
    assert.throws(() => JSON.parse(truncated.calls[0]!.arguments));
    const malformed = await turn(MODES[3]!, items, { task: 'f' });
    assert.equal(malformed.calls[0]!.arguments, "{'path':null}");
    const refusal = await client.chat.completions.create(
      {
        model: 'gpt-4.1-mini',
        messages: toChat(items),
        tools: [{ type: 'function', function: toolDefinition('finish') }],
      },
      { headers: { [CALL_HEADERS.task]: 'f' } },
    );
    assert.equal(refusal.choices[0]!.message.refusal, 'No.');
    assert.equal(refusal.choices[0]!.message.tool_calls, undefined);
  });

  it('is accepted by the SDK stream helpers, which rebuild the turn from the chunks', async () => {
    sim.setScenario({});
    const items = taskPrompt({ id: 't1', title: 'T' });
    const tools = TOOL_NAMES.map(toolDefinition);
    const chat = client.chat.completions.stream({
      model: 'gpt-4.1-mini',
      messages: toChat(items),
      tools: tools.map((t) => ({ type: 'function' as const, function: t })),
    });
    const message = (await chat.finalChatCompletion()).choices[0]!.message;
    assert.deepEqual(
      message.tool_calls?.map((c) => (c.type === 'function' ? c.function.name : c.type)),
      ['list_files', 'read_file'],
    );
    const responses = client.responses.stream({
      model: 'gpt-4.1-mini',
      input: toResponses(items),
      tools: tools.map((t) => ({ type: 'function' as const, ...t })),
    });
    const output = (await responses.finalResponse()).output;
    assert.deepEqual(
      output.map((o) => (o.type === 'function_call' ? o.name : o.type)),
      ['list_files', 'read_file'],
    );
  });
});
