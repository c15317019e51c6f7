import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALL_HEADERS } from '../domain/model';
import { modelFamilyOf, rejectsTemperature } from '../domain/model-families';
import type { ChatMessage } from '../domain/prompts';
import { countInputTokens, countOutputTokens } from '../domain/tokens';
import { implementationAnswer, planAnswer, reviewAnswer, schemaAnswer } from './answers';
import { createRecorder, loadPlayer } from './cassette';
import { optionalNumber, readBody, sendJson, silence, sleep, splitText } from './http-utils';
import { createRandom, hashString, lognormal } from './random';
import type { SimRequest } from './request-log';
import { fromResponsesBody, responsesRejection, writeResponses, type ParameterRejection } from './responses-format';
import { parseScenario, type Fault, type Scenario, type ScenarioInput } from './scenario';
import { answerToolTurn } from './tool-answer';
import { isToolRequest } from './tool-request';

export interface SimulatorOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  host?: string;
  scenario?: ScenarioInput;
  /** Keep message bodies in the request log (tests read them); off for large benchmarks. */
  logBodies?: boolean;
  /** Proxy to a real provider and record every exchange to this cassette file (needs `upstream`). */
  record?: { file: string; upstream: string; apiKey?: string };
  /** Answer only from this cassette file, offline. */
  replay?: string;
}

export interface Simulator {
  /** Base URL for OPENAI_BASE_URL, ending in /v1. */
  url: string;
  requests(): readonly SimRequest[];
  setScenario(scenario: ScenarioInput): void;
  close(): Promise<void>;
}

interface ChatRequestBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  response_format?: { type: string; json_schema?: { name?: string; schema?: Record<string, unknown> } };
}

/**
 * An OpenAI-compatible server (GET /v1/models, POST /v1/chat/completions and /v1/responses, streaming or not) that answers Planwright's
 * prompts plausibly and deterministically, follows any JSON schema it is asked for, acts as a tool-using agent when
 * offered tools (./tool-agent.ts), injects scripted faults, and logs every request (GET /_sim/requests).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  let scenario: Scenario = parseScenario(options.scenario ?? {});
  let faultsUsed = new Map<Fault, number>();
  const log: SimRequest[] = [];
  const reviewCounts = new Map<string, number>();
  const implementCounts = new Map<string, number>();
  const logBodies = options.logBodies ?? true;
  const recorder = options.record
    ? createRecorder(options.record.file, options.record.upstream, options.record.apiKey)
    : undefined;
  const player = options.replay ? loadPlayer(options.replay) : undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // When the request arrived (its headers), as a provider's rate limiter would count it; the body may take longer.
    const receivedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'GET' && url.pathname === '/_sim/requests') return sendJson(res, 200, log);
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'gpt-4.1-mini', object: 'model', owned_by: 'planwright-sim' }],
      });
    }
    const api = url.pathname === '/v1/responses' ? 'responses' : 'chat';
    if (req.method !== 'POST' || !['/v1/chat/completions', '/v1/responses'].includes(url.pathname)) {
      return sendJson(res, 404, {
        error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error' },
      });
    }
    const raw = await readBody(req);
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    // Both APIs are answered by one path; the Responses API's request is read in Chat Completions terms.
    const body = (api === 'responses' ? fromResponsesBody(parsed) : parsed) as ChatRequestBody;
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const kind = header(CALL_HEADERS.kind) ?? kindFromSchema(body.response_format?.json_schema?.name);
    const messages = body.messages ?? [];
    const record: SimRequest = {
      seq: log.length + 1,
      receivedAt,
      kind,
      ...optionalNumber('attempt', header(CALL_HEADERS.attempt)),
      ...optionalNumber('round', header(CALL_HEADERS.round)),
      ...(header(CALL_HEADERS.task) ? { task: header(CALL_HEADERS.task)! } : {}),
      ...(header(CALL_HEADERS.idempotencyKey) ? { idempotencyKey: header(CALL_HEADERS.idempotencyKey)! } : {}),
      model: body.model ?? '',
      stream: body.stream === true,
      ...optionalNumber('maxTokens', String(body.max_completion_tokens ?? body.max_tokens ?? '')),
      ...(body.response_format?.json_schema?.name ? { schemaName: body.response_format.json_schema.name } : {}),
      messages: logBodies ? messages : [],
      outcome: 'ok',
      clientClosed: false,
    };
    log.push(record);
    res.on('close', () => {
      record.finishedAt ??= Date.now();
      if (!res.writableFinished) record.clientClosed = true;
    });

    if (recorder || player) {
      const exchange = recorder
        ? await recorder.forward(body as Record<string, unknown>, raw, {
            path: url.pathname.replace(/^\/v1/, ''),
            kind,
            ...(record.task ? { task: record.task } : {}),
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          })
        : player!.next(body as Record<string, unknown>);
      if (!exchange) {
        record.outcome = 'cassette_miss';
        return sendJson(res, 400, {
          error: {
            message: `the cassette has no recording for this ${kind} request${record.task ? ` (task ${record.task})` : ''}; the prompts changed since it was recorded: record it again`,
            type: 'invalid_request_error',
            code: 'cassette_miss',
          },
        });
      }
      record.outcome = exchange.status === 200 ? 'ok' : `status ${exchange.status}`;
      res.writeHead(exchange.status, { 'content-type': exchange.contentType, ...exchange.headers });
      return res.end(exchange.body);
    }

    const random = createRandom(scenario.seed ^ hashString(`${kind}|${record.task ?? ''}|${record.seq}`));
    const latency = (record.task && scenario.tasks[record.task]?.latencyMs) || scenario.latency[kind as 'planner'];
    const delayMs = latency ? lognormal(random, latency.medianMs, latency.sigma) : 0;

    // What the real API refuses for the model (reasoning models: max_tokens, a temperature other than 1).
    const rejection = api === 'responses' ? responsesRejection(parsed) : chatRejection(body);
    if (rejection) {
      record.outcome = rejection.code;
      return sendJson(res, 400, { error: { ...rejection, type: 'invalid_request_error' } });
    }
    if (scenario.unknownModels.includes(record.model)) {
      record.outcome = 'model_not_found';
      return sendJson(res, 404, {
        error: {
          message: `The model \`${record.model}\` does not exist`,
          type: 'invalid_request_error',
          code: 'model_not_found',
        },
      });
    }
    const fault = takeFault(kind, record.task);
    if (fault) {
      record.outcome = fault.type === 'status' ? `status ${fault.status ?? 500}` : fault.type;
      if (fault.type === 'status') {
        await sleep(delayMs);
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        return sendJson(
          res,
          fault.status ?? 500,
          {
            error: {
              message: fault.message ?? `simulated ${fault.status ?? 500}`,
              type: 'simulated',
              code: fault.code ?? null,
            },
          },
          headers,
        );
      }
      if (fault.type === 'reset') return req.socket.destroy();
      if (fault.type === 'hang') return; // Never answers; the client's timeout or cancellation ends it.
    }

    // A request that offers tools is an acting agent's turn: answered with tool calls, not with a JSON answer.
    if (isToolRequest(parsed)) {
      return answerToolTurn({ req, res, api, body: parsed, record, scenario, fault, delayMs });
    }

    const content =
      fault?.type === 'bad-plan'
        ? badPlan(answerFor(kind, body, messages, record))
        : answerFor(kind, body, messages, record);
    let text = JSON.stringify(content);
    if (fault?.type === 'malformed') text = text.replace(/"/g, "'");
    if (fault?.type === 'truncated') text = text.slice(0, Math.floor(text.length / 2));
    const refusal = fault?.type === 'refusal' ? (fault.message ?? 'I cannot help with that.') : null;
    const maxTokens = record.maxTokens ?? 4096;
    const promptTokens = countInputTokens(messages);
    const completionTokens = scenario.usage === 'max' ? maxTokens : Math.min(maxTokens, countOutputTokens(text));
    record.promptTokens = promptTokens;
    record.completionTokens = completionTokens;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const pieces = refusal ? [refusal] : splitText(text, 8);
    // The chunk before which a "stall" fault goes silent; never past the last, so that the silence always comes.
    const stallAt =
      fault?.type === 'stall' ? Math.min(fault.afterChunks ?? Math.floor(pieces.length / 2), pieces.length - 1) : -1;
    const stallMs = fault?.stallMs;
    // An answer that is not streamed stalls as a whole: a slow provider, or one that forgot the request.
    if (!record.stream && stallAt >= 0) await silence(res, stallMs);
    if (res.destroyed) return;
    if (api === 'responses') {
      return writeResponses(
        res,
        {
          seq: record.seq,
          createdAt: Math.floor(record.receivedAt / 1000),
          model: record.model,
          text,
          refusal,
          inputTokens: promptTokens,
          outputTokens: completionTokens,
        },
        record.stream,
        pieces,
        async (i) => {
          if (i === stallAt) await silence(res, stallMs);
          await sleep(delayMs / pieces.length);
          if (fault?.type === 'cut-stream' && i >= pieces.length / 2) req.socket.destroy();
          return !res.destroyed;
        },
      ).then(() => sleep(record.stream ? 0 : delayMs));
    }
    const id = `chatcmpl-sim-${record.seq}`;
    const created = Math.floor(record.receivedAt / 1000);
    if (!record.stream) {
      await sleep(delayMs);
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: record.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: refusal ? null : text, refusal }, finish_reason: 'stop' },
        ],
        usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: record.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    for (const [i, piece] of pieces.entries()) {
      if (i === stallAt) await silence(res, stallMs);
      await sleep(delayMs / pieces.length);
      if (res.destroyed) return;
      if (fault?.type === 'cut-stream' && i >= pieces.length / 2) return req.socket.destroy();
      res.write(chunk(refusal ? { refusal: piece } : { content: piece }, null));
    }
    res.write(chunk({}, 'stop'));
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: record.model, choices: [], usage })}\n\n`,
    );
    res.end('data: [DONE]\n\n');
  }

  function answerFor(kind: string, body: ChatRequestBody, messages: ChatMessage[], record: SimRequest): unknown {
    const schemaName = body.response_format?.json_schema?.name;
    if (schemaName === 'plan') return scenario.plan ?? planAnswer(messages, scenario.planTasks);
    if (schemaName === 'implementation') {
      const scripted = record.task ? scenario.tasks[record.task]?.outputs : undefined;
      if (scripted && scripted.length > 0) {
        const n = implementCounts.get(record.task!) ?? 0;
        implementCounts.set(record.task!, n + 1);
        return scripted[Math.min(n, scripted.length - 1)];
      }
      return implementationAnswer(messages);
    }
    if (schemaName === 'review_verdict') {
      const key = `${record.task ?? ''}`;
      const n = reviewCounts.get(key) ?? 0;
      reviewCounts.set(key, n + 1);
      const script = record.task ? scenario.tasks[record.task]?.verdicts : undefined;
      const verdict = script && script.length > 0 ? script[Math.min(n, script.length - 1)]! : scenario.defaultVerdict;
      return reviewAnswer(messages, verdict);
    }
    const schema = body.response_format?.json_schema?.schema;
    return schema ? schemaAnswer(schema) : { kind, answer: 'simulated' };
  }

  function takeFault(kind: string, task: string | undefined): Fault | undefined {
    for (const fault of scenario.faults) {
      if (fault.kind && fault.kind !== kind) continue;
      if (fault.task && fault.task !== task) continue;
      const used = faultsUsed.get(fault) ?? 0;
      if (used >= fault.times) continue;
      faultsUsed.set(fault, used + 1);
      return fault;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/v1`,
    requests: () => log,
    setScenario(next) {
      scenario = parseScenario(next);
      faultsUsed = new Map();
      reviewCounts.clear();
      implementCounts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the Chat Completions API refuses for the model, in its words; undefined when it takes the request. */
function chatRejection(body: ChatRequestBody): ParameterRejection | undefined {
  const model = body.model ?? '';
  if (body.max_tokens !== undefined && modelFamilyOf(model).chatOutputCap === 'max_completion_tokens') {
    return {
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: 'max_tokens',
      code: 'unsupported_parameter',
    };
  }
  if (rejectsTemperature(model, body.temperature)) {
    return {
      message: `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.`,
      param: 'temperature',
      code: 'unsupported_value',
    };
  }
  return undefined;
}

/** A plan that parses but breaks the graph rules: the first task depends on the last, and an agent type is made up. */
function badPlan(answer: unknown): unknown {
  const plan = answer as { tasks?: { id: string; deps: string[]; agentType: string }[] };
  const first = plan.tasks?.[0];
  const last = plan.tasks?.at(-1);
  if (first && last && first !== last) first.deps = [...first.deps, last.id];
  if (last) last.agentType = 'wizard';
  return plan;
}

function kindFromSchema(name: string | undefined): string {
  if (name === 'plan') return 'planner';
  if (name === 'review_verdict') return 'reviewer';
  return 'implementer';
}
