import OpenAI from 'openai';
import { ConfigError, type ModelSettings } from '../../config';
import { redactUrl } from '../../domain/redact';

/**
 * Where requests go, for messages and log lines: the configured base URL or OpenAI's, with any credentials in it
 * (`user:password@`, query values) redacted. Never used to make a request.
 */
export function endpointOf(settings: ModelSettings): string {
  return redactUrl(settings.provider.baseURL ?? 'https://api.openai.com/v1');
}

/**
 * A base URL as the SDK needs it: it appends each request's path to the base URL as a string, so a query left in it
 * (a gateway's `?key=…`, Azure's `?api-version=…`) would swallow the path (`/v1?key=k/chat/completions`). The query
 * goes with every request as the SDK's default query instead.
 */
function splitBaseURL(baseURL: string | undefined): { baseURL?: string; defaultQuery?: Record<string, string> } {
  if (!baseURL?.includes('?')) return baseURL ? { baseURL } : {};
  const url = new URL(baseURL);
  const defaultQuery = Object.fromEntries(url.searchParams);
  url.search = '';
  return { baseURL: url.toString(), defaultQuery };
}

/**
 * Builds the one OpenAI client a worker uses. The SDK's own retries are off: Temporal's retry policy owns retrying,
 * so that every attempt is visible in the history and bounded by the policy.
 */
export function createOpenAIClient(settings: ModelSettings): OpenAI {
  const { provider } = settings;
  if (!provider.apiKey && !provider.baseURL) {
    throw new ConfigError(
      `${provider.apiKeyEnv} is not set: set it for OpenAI, or set OPENAI_BASE_URL for an OpenAI-compatible server ` +
        '(e.g. `planwright sim` prints one to use offline)',
    );
  }
  const { baseURL, defaultQuery } = splitBaseURL(provider.baseURL);
  return new OpenAI({
    // Local OpenAI-compatible servers accept any key; the SDK insists on one.
    apiKey: provider.apiKey ?? 'not-needed',
    baseURL,
    ...(defaultQuery ? { defaultQuery } : {}),
    organization: provider.organization ?? null,
    project: provider.project ?? null,
    defaultHeaders: provider.headers,
    timeout: provider.timeoutMs,
    maxRetries: 0,
  });
}
