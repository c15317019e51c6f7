/**
 * What a model accepts, decided by its name: the one place that knows which model families take which request
 * parameters and how long their streams may stay silent. Pure, so the config checks, the activities and the simulator
 * all read the same rules.
 *
 * Only OpenAI's own model names are recognised, as OpenAI's API spells them (a dated snapshot such as
 * `o4-mini-2025-04-16` included). A name with a gateway prefix (`openai/gpt-5`) or one we do not know (a local model
 * on vLLM or Ollama) gets the conservative defaults of the `other` family: `max_tokens`, which every
 * OpenAI-compatible server knows, and a temperature sent as configured.
 */

export type ModelFamilyName = 'openai-reasoning' | 'openai-chat' | 'other';

export interface ModelFamily {
  name: ModelFamilyName;
  /**
   * Chat Completions field that caps the output. OpenAI's reasoning models refuse `max_tokens` (its cap counts hidden
   * reasoning tokens too, so it got a new name); older servers know only `max_tokens`.
   */
  chatOutputCap: 'max_tokens' | 'max_completion_tokens';
  /** Whether the model takes a temperature other than the default 1; reasoning models refuse any other value. */
  acceptsTemperature: boolean;
  /** Longest silence of a stream before the answer's first token, by default: reasoning models think silently. */
  firstTokenTimeoutMs: number;
  /** Longest silence of a stream once the answer's tokens flow, by default. */
  streamIdleTimeoutMs: number;
}

const MINUTE = 60_000;

/**
 * Node's fetch ends a response whose body stays silent this long (undici's default body timeout), so a longer stream
 * limit could never fire; it would end as a connection error instead.
 */
export const MAX_STREAM_SILENCE_MS = 5 * MINUTE;

/**
 * OpenAI's reasoning models: the o-series (o1, o3, o3-mini, o4-mini, …) and the gpt-5 family (gpt-5, gpt-5-mini,
 * gpt-5-nano, gpt-5.1, …). gpt-5.1 and later accept a temperature only at reasoning effort "none"; Planwright does not
 * set the effort, so it treats them like the rest of the family.
 */
const REASONING: ModelFamily = {
  name: 'openai-reasoning',
  chatOutputCap: 'max_completion_tokens',
  acceptsTemperature: false,
  // As long as a silent body can last at all: a model at high effort may think for minutes before it writes.
  firstTokenTimeoutMs: MAX_STREAM_SILENCE_MS,
  streamIdleTimeoutMs: MINUTE,
};

/** OpenAI's chat models (gpt-4o, gpt-4.1, gpt-5-chat-latest, …): they answer at once and take a temperature. */
const CHAT: ModelFamily = {
  name: 'openai-chat',
  chatOutputCap: 'max_tokens',
  acceptsTemperature: true,
  firstTokenTimeoutMs: MINUTE,
  streamIdleTimeoutMs: MINUTE,
};

/** Every other name. A local server may load the model before its first token, so that wait is longer. */
const OTHER: ModelFamily = {
  name: 'other',
  chatOutputCap: 'max_tokens',
  acceptsTemperature: true,
  firstTokenTimeoutMs: 2 * MINUTE,
  streamIdleTimeoutMs: MINUTE,
};

const O_SERIES = /^o\d+(-|$)/;
const GPT5 = /^gpt-5(\.\d+)?(-|$)/;
const GPT5_CHAT = /^gpt-5(\.\d+)?-chat(-|$)/;
const OPENAI_CHAT = /^(gpt-4|gpt-3\.5|chatgpt-)/;

export function modelFamilyOf(model: string): ModelFamily {
  if (GPT5_CHAT.test(model)) {
    // Not a reasoning model (it takes a temperature), but as new as the gpt-5 family: only the new cap field is sure.
    return { ...CHAT, chatOutputCap: 'max_completion_tokens' };
  }
  if (O_SERIES.test(model) || GPT5.test(model)) return REASONING;
  if (OPENAI_CHAT.test(model)) return CHAT;
  return OTHER;
}

/** Whether `temperature` would be refused by `model` (the default 1 never is). */
export function rejectsTemperature(model: string, temperature: number | undefined): boolean {
  return temperature !== undefined && temperature !== 1 && !modelFamilyOf(model).acceptsTemperature;
}

/** The output cap and sampling fields of one request, as the model's family accepts them. */
export interface RequestParameters {
  /** Fields for a Chat Completions body: the cap under the family's name, and the temperature if it may be sent. */
  chat: { max_tokens?: number; max_completion_tokens?: number; temperature?: number };
  /** Fields for a Responses API body. */
  responses: { max_output_tokens: number; temperature?: number };
  /** The configured temperature, when the model refuses it and it was left out. */
  droppedTemperature?: number;
}

export function requestParametersFor(
  model: string,
  settings: { maxOutputTokens: number; temperature?: number | undefined },
): RequestParameters {
  const n = settings.maxOutputTokens;
  const cap = modelFamilyOf(model).chatOutputCap === 'max_tokens' ? { max_tokens: n } : { max_completion_tokens: n };
  const dropped = rejectsTemperature(model, settings.temperature);
  const temperature = settings.temperature !== undefined && !dropped ? { temperature: settings.temperature } : {};
  return {
    chat: { ...cap, ...temperature },
    responses: { max_output_tokens: settings.maxOutputTokens, ...temperature },
    ...(dropped ? { droppedTemperature: settings.temperature } : {}),
  };
}

/** How long a stream may stay silent, before and after the answer's first token. */
export interface StreamLimits {
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
}

/** The stream limits of a model: the agent's own settings where given, otherwise its family's defaults. */
export function streamLimitsFor(
  model: string,
  settings: { streamFirstTokenTimeoutMs?: number | undefined; streamIdleTimeoutMs?: number | undefined },
): StreamLimits {
  const family = modelFamilyOf(model);
  return {
    firstTokenTimeoutMs: settings.streamFirstTokenTimeoutMs ?? family.firstTokenTimeoutMs,
    idleTimeoutMs: settings.streamIdleTimeoutMs ?? family.streamIdleTimeoutMs,
  };
}
