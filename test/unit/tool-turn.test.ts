/**
 * One model turn with function tools (callWithTools), run as a real activity function (MockActivityEnvironment, no
 * Temporal server) through the official openai SDK against a small fake provider in this file: it speaks the Chat
 * Completions and Responses wire formats, streamed or not, plays a script of turns, records every request, and fails
 * loudly when the script runs out.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure, noopMetricMeter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOpenAIClient } from '../../src/activities/model/client';
import { ModelMetrics } from '../../src/activities/model/metrics';
import type { ModelClient } from '../../src/activities/model/model-client';
import { createPacer } from '../../src/activities/model/pacer';
import { callWithTools, type ToolTurnRequest } from '../../src/activities/model/tool-turn';
import { loadModelSettings, type AgentModelSettings } from '../../src/config';
import type { RawToolCall, TranscriptItem } from '../../src/domain/agent-loop';
import { costOf } from '../../src/domain/credits';
import * as T from '../../src/domain/errors';
import { readSpendDetails } from '../../src/domain/failure-details';
import { CALL_HEADERS } from '../../src/domain/model';
import {
  ListFilesInput,
  ReadFileInput,
  toolParametersSchema,
  type ToolDefinition,
} from '../../src/domain/tool-schemas';
import { quietActivityLogs } from '../helpers/model-calls';

/** One scripted answer; `cut` ends a stream half-way, `bareCompleted` sends response.completed without its output. */
interface ScriptedTurn {
  text?: string;
  toolCalls?: RawToolCall[];
  refusal?: string;
  usage?: { input: number; output: number };
  status?: number;
  cut?: boolean;
  bareCompleted?: boolean;
}

/** The fields of a request body the assertions read: what the SDK actually sent. */
interface ReceivedBody {
  model?: string;
  stream?: boolean;
  messages?: unknown;
  input?: unknown;
  tools?: unknown;
  response_format?: unknown;
  text?: unknown;
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: ReceivedBody;
}

const USAGE = { input: 1_200, output: 80 };

/** An argument string in three pieces, as a provider streams it. */
const fragments = (s: string) => [s.slice(0, 5), s.slice(5, 12), s.slice(12)];

class FakeProvider {
  readonly received: Received[] = [];
  private script: ScriptedTurn[] = [];
  private readonly server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Received['body'];
      this.received.push({ path: req.url ?? '', headers: req.headers, body });
      const turn = this.script.shift();
      if (!turn) return json(res, 400, { error: { message: "the fake provider's script ran out" } });
      if (turn.status) return json(res, turn.status, { error: { message: `scripted ${turn.status}` } });
      if (req.url?.endsWith('/responses'))
        return body.stream ? streamResponse(res, turn) : json(res, 200, response(turn));
      return body.stream ? streamChat(res, turn) : json(res, 200, completion(turn));
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  play(...turns: ScriptedTurn[]): void {
    this.script = turns;
    this.received.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

function completion(turn: ScriptedTurn) {
  const calls = turn.toolCalls ?? [];
  const usage = turn.usage ?? USAGE;
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4.1-mini',
    choices: [
      {
        index: 0,
        finish_reason: calls.length ? 'tool_calls' : 'stop',
        message: {
          role: 'assistant',
          content: turn.text ?? null,
          refusal: turn.refusal ?? null,
          ...(calls.length
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

/** Chat Completions chunks; the fragments of the calls interleave, so only their index keeps them apart. */
function streamChat(res: ServerResponse, turn: ScriptedTurn): void {
  sse(res);
  const chunk = (delta: object, extra: object = {}) =>
    res.write(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-mini', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`,
    );
  chunk({ role: 'assistant', content: '' });
  for (const piece of (turn.text ?? '').match(/.{1,6}/gs) ?? []) chunk({ content: piece });
  if (turn.refusal) chunk({ refusal: turn.refusal });
  const calls = turn.toolCalls ?? [];
  calls.forEach((c, index) =>
    chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }),
  );
  if (turn.cut) return void res.socket?.destroy();
  for (let piece = 0; piece < 3; piece++) {
    calls.forEach((c, index) =>
      chunk({ tool_calls: [{ index, function: { arguments: fragments(c.arguments)[piece] } }] }),
    );
  }
  const usage = turn.usage ?? USAGE;
  res.write(
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-mini', choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
}

function responseItems(turn: ScriptedTurn) {
  const message = turn.refusal
    ? [{ type: 'refusal', refusal: turn.refusal }]
    : [{ type: 'output_text', text: turn.text ?? '', annotations: [] }];
  return [
    ...(turn.text || turn.refusal
      ? [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: message }]
      : []),
    ...(turn.toolCalls ?? []).map((c, i) => ({
      type: 'function_call',
      id: `fc_${i}`,
      call_id: c.id,
      name: c.name,
      arguments: c.arguments,
      status: 'completed',
    })),
  ];
}

function response(turn: ScriptedTurn, output = responseItems(turn)) {
  const usage = turn.usage ?? USAGE;
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    model: 'gpt-4.1-mini',
    status: 'completed',
    output,
    usage: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** Responses API events: text deltas, then each call added, its arguments in fragments, and done. */
function streamResponse(res: ServerResponse, turn: ScriptedTurn): void {
  sse(res);
  let sequence = 0;
  const event = (type: string, data: object) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  event('response.created', { response: { ...response(turn, []), status: 'in_progress' } });
  if (turn.text)
    event('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: turn.text });
  if (turn.refusal)
    event('response.refusal.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: turn.refusal });
  const first = turn.text || turn.refusal ? 1 : 0;
  for (const [i, c] of (turn.toolCalls ?? []).entries()) {
    const at = { item_id: `fc_${i}`, output_index: first + i };
    const item = {
      type: 'function_call',
      id: `fc_${i}`,
      call_id: c.id,
      name: c.name,
      arguments: '',
      status: 'in_progress',
    };
    event('response.output_item.added', { output_index: at.output_index, item });
    if (turn.cut) return void res.socket?.destroy();
    for (const delta of fragments(c.arguments)) event('response.function_call_arguments.delta', { ...at, delta });
    event('response.function_call_arguments.done', { ...at, name: c.name, arguments: c.arguments });
  }
  event('response.completed', { response: response(turn, turn.bareCompleted ? [] : responseItems(turn)) });
  res.end();
}

const provider = new FakeProvider();
before(() => provider.start());
after(() => provider.close());
beforeEach(() => provider.play());

function modelClient(overrides: Partial<AgentModelSettings> = {}): ModelClient {
  // A folder without planwright.config.json, so a developer's own config never leaks into tests.
  const loaded = loadModelSettings({ OPENAI_BASE_URL: provider.url }, tmpdir());
  const settings = { ...loaded, defaults: { ...loaded.defaults, ...overrides } };
  return {
    openai: createOpenAIClient(settings),
    settings,
    pacer: createPacer(undefined),
    metrics: new ModelMetrics(noopMetricMeter),
  };
}

const READ_FILE: ToolDefinition = { name: 'read_file', description: 'Read a text file.', input: ReadFileInput };
const LIST_FILES: ToolDefinition = {
  name: 'list_files',
  description: "List the workspace's files.",
  input: ListFilesInput,
};

const readArgs = '{"path":"src/parser.ts","startLine":null,"endLine":40}';
const listArgs = '{"path":"src"}';
const TWO_CALLS: RawToolCall[] = [
  { id: 'call_read', name: 'read_file', arguments: readArgs },
  { id: 'call_list', name: 'list_files', arguments: listArgs },
];

/** A conversation two turns in: one assistant turn with text and two calls, one with a call alone. */
const TRANSCRIPT: TranscriptItem[] = [
  { role: 'system', content: 'You implement tasks with tools.' },
  { role: 'user', content: '# Task t1: Write the parser' },
  { role: 'assistant', content: 'Let me look first.', toolCalls: TWO_CALLS },
  { role: 'tool', callId: 'call_read', name: 'read_file', content: '1\texport {};' },
  { role: 'tool', callId: 'call_list', name: 'list_files', content: 'src/parser.ts' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'call_run', name: 'run_command', arguments: '{"command":"npm test"}' }],
  },
  { role: 'tool', callId: 'call_run', name: 'run_command', content: 'exit code 0' },
];

function turnRequest(overrides: Partial<ToolTurnRequest> = {}): ToolTurnRequest {
  return {
    kind: 'implementer',
    agentType: 'code',
    taskId: 't1',
    round: 2,
    transcript: TRANSCRIPT,
    tools: [READ_FILE, LIST_FILES],
    availableMillicredits: 100_000,
    ...overrides,
  };
}

const RUN = { workflowExecution: { workflowId: 'run-7/t1', runId: 'r-1' }, activityId: '3' };

/** Runs callWithTools in an activity context; `run` itself loses the function's type. */
function takeTurn(model: ModelClient, req: ToolTurnRequest, env = new MockActivityEnvironment(RUN, quietActivityLogs)) {
  return env.run(callWithTools, model, req) as ReturnType<typeof callWithTools>;
}

async function failureOf(turn: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await turn.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

const APIS = [
  { api: 'chat', stream: true },
  { api: 'chat', stream: false },
  { api: 'responses', stream: true },
  { api: 'responses', stream: false },
] as const;

for (const { api, stream } of APIS) {
  const label = `${api}, ${stream ? 'streamed' : 'not streamed'}`;
  describe(`a model turn with tools (${label})`, () => {
    it('returns the text and two tool calls whose arguments arrived in fragments, in order, and charges the usage', async () => {
      provider.play({ text: 'Reading the parser and listing src.', toolCalls: TWO_CALLS });
      const model = modelClient({ api, stream });
      const result = await takeTurn(model, turnRequest());
      assert.equal(result.kind, 'ok');
      assert.ok(result.kind === 'ok');
      assert.deepEqual(result.value, { text: 'Reading the parser and listing src.', toolCalls: TWO_CALLS });
      assert.equal(result.model, 'gpt-4.1-mini');
      const usage = { inputTokens: USAGE.input, outputTokens: USAGE.output, cachedInputTokens: 0, reasoningTokens: 0 };
      assert.deepEqual(result.calls[0]?.usage, usage);
      assert.equal(result.spentMillicredits, costOf(model.settings.prices, 'gpt-4.1-mini', usage));
      assert.equal(provider.received.length, 1);
      assert.equal(provider.received[0]?.body.stream, stream);
    });

    it('returns a reply with text only as text and no tool calls', async () => {
      provider.play({ text: 'The parser is done; nothing left to call.' });
      const result = await takeTurn(modelClient({ api, stream }), turnRequest());
      assert.ok(result.kind === 'ok');
      assert.deepEqual(result.value, { text: 'The parser is done; nothing left to call.', toolCalls: [] });
    });

    it('sends the tools as strict function tools, with no response format', async () => {
      provider.play({ text: 'ok' });
      await takeTurn(modelClient({ api, stream }), turnRequest());
      const body = provider.received[0]!.body;
      const expected = [READ_FILE, LIST_FILES].map((t) => ({
        name: t.name,
        description: t.description,
        parameters: toolParametersSchema(t.input),
        strict: true,
      }));
      if (api === 'chat') {
        assert.deepEqual(
          body.tools,
          expected.map((f) => ({ type: 'function', function: f })),
        );
        assert.equal(body.response_format, undefined);
      } else {
        assert.deepEqual(
          body.tools,
          expected.map((f) => ({ type: 'function', ...f })),
        );
        assert.equal(body.text, undefined);
      }
    });

    it("charges a refusal and fails the turn with the model's refusal, not retryable", async () => {
      provider.play({ refusal: 'I cannot help with that.' });
      const failure = await failureOf(takeTurn(modelClient({ api, stream }), turnRequest()));
      assert.equal(failure.type, T.MODEL_REFUSAL);
      assert.equal(failure.nonRetryable, true);
      assert.ok((readSpendDetails(failure)?.spentMillicredits ?? 0) > 0, 'the refused request is charged');
    });
  });
}

describe('a model turn with tools: the request sent', () => {
  it('serialises assistant tool calls and tool results as Chat Completions messages', async () => {
    provider.play({ text: 'ok' });
    await takeTurn(modelClient({ api: 'chat' }), turnRequest());
    const call = (c: RawToolCall) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    });
    assert.deepEqual(provider.received[0]!.body.messages, [
      { role: 'system', content: 'You implement tasks with tools.' },
      { role: 'user', content: '# Task t1: Write the parser' },
      { role: 'assistant', content: 'Let me look first.', tool_calls: TWO_CALLS.map(call) },
      { role: 'tool', tool_call_id: 'call_read', content: '1\texport {};' },
      { role: 'tool', tool_call_id: 'call_list', content: 'src/parser.ts' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [call({ id: 'call_run', name: 'run_command', arguments: '{"command":"npm test"}' })],
      },
      { role: 'tool', tool_call_id: 'call_run', content: 'exit code 0' },
    ]);
  });

  it('serialises assistant tool calls and tool results as Responses API input items', async () => {
    provider.play({ text: 'ok' });
    await takeTurn(modelClient({ api: 'responses' }), turnRequest());
    const call = (c: RawToolCall) => ({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments });
    const output = (callId: string, text: string) => ({ type: 'function_call_output', call_id: callId, output: text });
    assert.deepEqual(provider.received[0]!.body.input, [
      { role: 'system', content: 'You implement tasks with tools.' },
      { role: 'user', content: '# Task t1: Write the parser' },
      { role: 'assistant', content: 'Let me look first.' },
      ...TWO_CALLS.map(call),
      output('call_read', '1\texport {};'),
      output('call_list', 'src/parser.ts'),
      call({ id: 'call_run', name: 'run_command', arguments: '{"command":"npm test"}' }),
      output('call_run', 'exit code 0'),
    ]);
  });

  it('assembles streamed Responses tool calls from their events when the completed response lists none', async () => {
    provider.play({ toolCalls: TWO_CALLS, bareCompleted: true });
    const result = await takeTurn(modelClient({ api: 'responses', stream: true }), turnRequest());
    assert.ok(result.kind === 'ok');
    assert.deepEqual(result.value, { text: '', toolCalls: TWO_CALLS });
  });

  it('sends kind, task and round headers, and an idempotency key whose digest covers the transcript and the tools', async () => {
    const model = modelClient();
    const keys: string[] = [];
    for (const req of [
      turnRequest(),
      turnRequest(),
      turnRequest({ tools: [READ_FILE] }),
      turnRequest({ transcript: TRANSCRIPT.slice(0, 2) }),
    ]) {
      provider.play({ text: 'ok' });
      await takeTurn(model, req);
      const headers = provider.received[0]!.headers;
      assert.equal(headers[CALL_HEADERS.kind], 'implementer');
      assert.equal(headers[CALL_HEADERS.task], 't1');
      assert.equal(headers[CALL_HEADERS.round], '2');
      keys.push(String(headers[CALL_HEADERS.idempotencyKey]));
    }
    assert.match(keys[0]!, /^run-7\/t1\/r-1\/3\/0\/[0-9a-f]{16}$/);
    assert.equal(keys[1], keys[0], 'the same request keeps its key');
    assert.notEqual(keys[2], keys[0], 'other tools make another request');
    assert.notEqual(keys[3], keys[0], 'another transcript makes another request');
  });
});

describe('a model turn with tools: credits and failures', () => {
  /** The reservation the turn's one request heartbeats as in flight. */
  async function reservationOf(req: ToolTurnRequest): Promise<number> {
    provider.play({ text: 'ok' });
    const env = new MockActivityEnvironment(RUN, quietActivityLogs);
    const reserved: number[] = [];
    env.on('heartbeat', (d: { inFlight?: { reservedMillicredits: number } }) => {
      if (d.inFlight) reserved.push(d.inFlight.reservedMillicredits);
    });
    await takeTurn(modelClient(), req, env);
    assert.equal(reserved.length, 1, 'one heartbeat marks the request in flight before it leaves');
    return reserved[0]!;
  }

  it('counts the tool schemas in the reservation, and sends nothing when they push it past the credits', async () => {
    const withoutTools = await reservationOf(turnRequest({ tools: [] }));
    const withTools = await reservationOf(turnRequest());
    assert.ok(withTools > withoutTools, `tools add to the reservation (${withTools} > ${withoutTools})`);
    provider.play();
    const result = await takeTurn(modelClient(), turnRequest({ availableMillicredits: withoutTools }));
    assert.deepEqual(result, {
      kind: 'insufficient_credits',
      shortfallMillicredits: withTools - withoutTools,
      calls: [],
      spentMillicredits: 0,
    });
    assert.equal(provider.received.length, 0, 'no request was sent');
  });

  it('carries what earlier attempts spent, from heartbeat details, into the gate and the result', async () => {
    const reserve = await reservationOf(turnRequest());
    const env = new MockActivityEnvironment(
      { ...RUN, attempt: 2, heartbeatDetails: { spentMillicredits: 5_000, calls: [] } },
      quietActivityLogs,
    );
    provider.play();
    const result = await takeTurn(modelClient(), turnRequest({ availableMillicredits: reserve + 4_999 }), env);
    assert.equal(result.kind, 'insufficient_credits');
    assert.equal(result.spentMillicredits, 5_000);
    assert.equal(provider.received.length, 0);
  });

  for (const api of ['chat', 'responses'] as const) {
    it(`charges a turn whose stream was cut (${api}) at its reservation, and carries the spend in the failure`, async () => {
      provider.play({ toolCalls: TWO_CALLS, cut: true });
      const failure = await failureOf(takeTurn(modelClient({ api }), turnRequest()));
      assert.equal(failure.type, T.MODEL_CONNECTION_ERROR);
      assert.equal(failure.nonRetryable, false);
      const spend = readSpendDetails(failure);
      assert.deepEqual(
        spend?.calls.map((c) => c.outcome),
        ['unknown'],
      );
      assert.ok(spend!.spentMillicredits > 0);
    });
  }

  it('falls back to the next model when the first is not found, and says so', async () => {
    provider.play({ status: 404 }, { toolCalls: TWO_CALLS });
    const result = await takeTurn(
      modelClient({ model: 'missing-model', fallbackModels: ['gpt-4.1-mini'] }),
      turnRequest(),
    );
    assert.ok(result.kind === 'ok');
    assert.equal(result.model, 'gpt-4.1-mini');
    assert.deepEqual(result.fallbacks, [{ model: 'missing-model', failureType: T.MODEL_NOT_FOUND }]);
    assert.deepEqual(result.value.toolCalls, TWO_CALLS);
    assert.deepEqual(
      provider.received.map((r) => r.body.model),
      ['missing-model', 'gpt-4.1-mini'],
    );
  });
});
