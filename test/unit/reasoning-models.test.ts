/**
 * OpenAI's reasoning models (o-series, gpt-5 family) refuse `max_tokens` and any temperature but 1. Unit tier: the pure
 * family rules, the config check, the price table, and the model layer through MockActivityEnvironment against the
 * simulator, which refuses those requests with the real API's 400s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import OpenAI from 'openai';
import { createActivities, type Activities } from '../../src/activities';
import { createOpenAIClient } from '../../src/activities/model/client';
import { toModelFailure } from '../../src/activities/model/errors';
import { ConfigError, type ModelSettings } from '../../src/config';
import { checkModelSettings } from '../../src/config/model-checks';
import { FALLBACK_PRICE, priceFor } from '../../src/domain/credits';
import * as T from '../../src/domain/errors';
import { modelFamilyOf, requestParametersFor, streamLimitsFor } from '../../src/domain/model-families';
import { DEFAULT_PRICES } from '../../src/domain/prices';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { implementInput, quietActivityLogs } from '../helpers/model-calls';
import { simSettings } from '../helpers/temporal';

const REASONING_MODELS = ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.1', 'o1', 'o3', 'o3-mini', 'o4-mini'];

describe('model families: each model is sent what it accepts', () => {
  for (const model of [...REASONING_MODELS, 'o4-mini-2025-04-16', 'gpt-5-mini-2025-08-07']) {
    it(`sends ${model} max_completion_tokens and leaves out a temperature other than 1`, () => {
      const params = requestParametersFor(model, { maxOutputTokens: 100, temperature: 0.2 });
      assert.deepEqual(params.chat, { max_completion_tokens: 100 });
      assert.deepEqual(params.responses, { max_output_tokens: 100 });
      assert.equal(params.droppedTemperature, 0.2);
    });
  }

  for (const model of ['gpt-4.1-mini', 'gpt-4o', 'gpt-3.5-turbo', 'llama3.1:8b', 'qwen2.5-coder', 'openai/gpt-5']) {
    it(`keeps max_tokens and the temperature for ${model}, which any OpenAI-compatible server knows`, () => {
      const params = requestParametersFor(model, { maxOutputTokens: 100, temperature: 0.2 });
      assert.deepEqual(params.chat, { max_tokens: 100, temperature: 0.2 });
      assert.deepEqual(params.responses, { max_output_tokens: 100, temperature: 0.2 });
      assert.equal(params.droppedTemperature, undefined);
    });
  }

  it('sends gpt-5-chat-latest the new cap field and its temperature, as it is no reasoning model', () => {
    const params = requestParametersFor('gpt-5-chat-latest', { maxOutputTokens: 100, temperature: 0.2 });
    assert.deepEqual(params.chat, { max_completion_tokens: 100, temperature: 0.2 });
  });

  it('sends a reasoning model a temperature of 1, the one value it takes, and nothing when none is set', () => {
    assert.deepEqual(requestParametersFor('o3', { maxOutputTokens: 5, temperature: 1 }).chat, {
      max_completion_tokens: 5,
      temperature: 1,
    });
    assert.deepEqual(requestParametersFor('o3', { maxOutputTokens: 5 }).chat, { max_completion_tokens: 5 });
  });

  it('waits longer for the first token of a reasoning model than of a chat model, unless the agent says otherwise', () => {
    assert.ok(modelFamilyOf('o4-mini').firstTokenTimeoutMs > modelFamilyOf('gpt-4.1-mini').firstTokenTimeoutMs);
    assert.deepEqual(streamLimitsFor('gpt-4.1-mini', {}), { firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    assert.deepEqual(streamLimitsFor('o4-mini', { streamIdleTimeoutMs: 5_000 }), {
      firstTokenTimeoutMs: 300_000,
      idleTimeoutMs: 5_000,
    });
  });
});

describe('config check: a temperature for a model that refuses it', () => {
  const base = (): Pick<ModelSettings, 'defaults' | 'agents'> => ({
    defaults: {
      model: 'gpt-4.1-mini',
      fallbackModels: [],
      maxOutputTokens: 2048,
      api: 'chat',
      stream: true,
      strictSchema: true,
    },
    agents: {},
  });

  it('refuses a reasoning model with a temperature, naming the agent, the model and the fix', () => {
    const settings = base();
    settings.agents.planner = { model: 'o3', temperature: 0.2 };
    assert.throws(
      () => checkModelSettings(settings),
      (err: unknown) =>
        err instanceof ConfigError &&
        /agents\.planner: model "o3" with temperature 0\.2: remove "temperature" from agents\.planner/.test(
          err.message,
        ),
    );
  });

  it('says where an inherited temperature comes from, and reports a problem of the defaults once', () => {
    const inherited = base();
    inherited.defaults.temperature = 0.3;
    inherited.agents.code = { model: 'gpt-5-mini' };
    assert.throws(() => checkModelSettings(inherited), /agents\.code: .*set "temperature": 1 in agents\.code/);

    const atDefaults = base();
    atDefaults.defaults = { ...atDefaults.defaults, model: 'o4-mini', temperature: 0.3 };
    atDefaults.agents.docs = { maxOutputTokens: 512 };
    assert.throws(
      () => checkModelSettings(atDefaults),
      (err: unknown) => err instanceof ConfigError && /defaults:/.test(err.message) && !/agents\./.test(err.message),
    );
  });

  it('accepts temperature 1, a chat model with a temperature, and a reasoning model as a fallback', () => {
    const settings = base();
    settings.defaults.temperature = 0.2;
    settings.defaults.fallbackModels = ['o3'];
    settings.agents.reviewer = { model: 'o4-mini', temperature: 1 };
    assert.doesNotThrow(() => checkModelSettings(settings));
  });
});

describe('prices', () => {
  it("prices the current OpenAI models on gpt-4.1-mini's scale (1 credit per 1K input tokens = $0.40 per 1M)", () => {
    for (const model of [...REASONING_MODELS, 'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-nano']) {
      assert.ok(DEFAULT_PRICES[model], `${model} has a price of its own`);
    }
    // gpt-5-mini lists $0.25 in and $2 out per 1M tokens.
    assert.equal(DEFAULT_PRICES['gpt-5-mini']?.inputPer1K, 0.25 / 0.4);
    assert.equal(DEFAULT_PRICES['gpt-5-mini']?.outputPer1K, 2 / 0.4);
  });

  it("charges a model without a price at the fallback, which is gpt-4.1-mini's price", () => {
    assert.deepEqual(priceFor(DEFAULT_PRICES, 'some-new-model'), FALLBACK_PRICE);
    assert.equal(FALLBACK_PRICE.inputPer1K, DEFAULT_PRICES['gpt-4.1-mini']?.inputPer1K);
    assert.equal(FALLBACK_PRICE.outputPer1K, DEFAULT_PRICES['gpt-4.1-mini']?.outputPer1K);
  });
});

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

const quiet = quietActivityLogs;

const implementInputFixture = implementInput(500_000);

/** Runs the real implementTask activity in an activity context; `run` itself loses the activity's type. */
function implement(env: MockActivityEnvironment, activities: Activities) {
  return env.run(activities.implementTask, implementInputFixture) as ReturnType<Activities['implementTask']>;
}

describe('the simulator refuses what the real API refuses', () => {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: unknown } };
  };
  const messages = [{ role: 'user', content: 'Say hi' }];

  it("answers max_tokens for a reasoning model with OpenAI's 400 unsupported_parameter", async () => {
    const answer = await post('/chat/completions', { model: 'gpt-5-mini', messages, max_tokens: 100 });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: {
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        param: 'max_tokens',
        code: 'unsupported_parameter',
        type: 'invalid_request_error',
      },
    });
  });

  it('answers a temperature other than 1 for a reasoning model with a 400 naming temperature, on both APIs', async () => {
    const chat = await post('/chat/completions', { model: 'o4-mini', messages, temperature: 0.2 });
    assert.equal(chat.status, 400);
    assert.deepEqual(chat.body.error, {
      message:
        "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
      param: 'temperature',
      code: 'unsupported_value',
      type: 'invalid_request_error',
    });
    const responses = await post('/responses', { model: 'o4-mini', input: messages, temperature: 0.2 });
    assert.equal(responses.status, 400);
    assert.deepEqual(responses.body.error, {
      message: "Unsupported parameter: 'temperature' is not supported with this model.",
      param: 'temperature',
      code: 'unsupported_parameter',
      type: 'invalid_request_error',
    });
  });

  it('takes max_tokens and a temperature from a chat model, and temperature 1 from a reasoning model', async () => {
    sim.setScenario({});
    const chatModel = await post('/chat/completions', {
      model: 'gpt-4.1-mini',
      messages,
      max_tokens: 100,
      temperature: 0.2,
    });
    assert.equal(chatModel.status, 200);
    const reasoning = await post('/chat/completions', {
      model: 'o3',
      messages,
      max_completion_tokens: 100,
      temperature: 1,
    });
    assert.equal(reasoning.status, 200);
  });

  it('refuses the request the model layer used to send a reasoning model, as a non-retryable BadRequest', async () => {
    const client = createOpenAIClient(simSettings(sim));
    const old = client.chat.completions.create({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: 2048,
      temperature: 0.2,
    });
    const error = await old.then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.code, 'unsupported_parameter');
    const failure = toModelFailure(error, { model: 'o4-mini', baseURL: sim.url });
    assert.equal((failure as { type?: string }).type, T.MODEL_BAD_REQUEST);
  });
});

describe('reasoning models through the model layer', () => {
  for (const model of ['gpt-5-mini', 'o4-mini']) {
    for (const api of ['chat', 'responses'] as const) {
      for (const stream of [true, false]) {
        const how = `${api === 'chat' ? 'Chat Completions' : 'the Responses API'}, ${stream ? 'streamed' : 'not streamed'}`;
        it(`implements a task with ${model} through ${how}, with a temperature configured`, async () => {
          sim.setScenario({});
          const settings = simSettings(sim, { model, api, stream, temperature: 0.3 });
          const before = sim.requests().length;
          const activities = createActivities({ openai: createOpenAIClient(settings), settings });
          const result = await implement(new MockActivityEnvironment({}, quiet), activities);
          assert.equal(result.kind, 'ok');
          const [request, ...more] = sim.requests().slice(before);
          assert.equal(more.length, 0, 'one request, not refused and repeated');
          assert.equal(request?.outcome, 'ok');
          assert.equal(request?.model, model);
          assert.equal(request?.maxTokens, settings.defaults.maxOutputTokens, 'the output cap is sent');
        });
      }
    }
  }

  it('says once per worker that it leaves out a temperature the model refuses', async () => {
    sim.setScenario({});
    const warnings: string[] = [];
    const logger: Logger = {
      log: () => {},
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: (message) => warnings.push(message),
      error: () => {},
    };
    const settings = simSettings(sim, { model: 'gpt-5-nano', temperature: 0.3 });
    const activities = createActivities({ openai: createOpenAIClient(settings), settings });
    for (let i = 0; i < 2; i++) {
      const result = await implement(new MockActivityEnvironment({}, { logger }), activities);
      assert.equal(result.kind, 'ok');
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"gpt-5-nano" accepts only the default temperature 1.*temperature 0\.3/);
  });
});
