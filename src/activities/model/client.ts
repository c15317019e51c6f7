import OpenAI from 'openai';
import { ConfigError, type ModelSettings } from '../../config';

/** Where requests go, for messages: the configured base URL or OpenAI's. */
export function endpointOf(settings: ModelSettings): string {
  return settings.provider.baseURL ?? 'https://api.openai.com/v1';
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
  return new OpenAI({
    // Local OpenAI-compatible servers accept any key; the SDK insists on one.
    apiKey: provider.apiKey ?? 'not-needed',
    baseURL: provider.baseURL,
    organization: provider.organization ?? null,
    project: provider.project ?? null,
    defaultHeaders: provider.headers,
    timeout: provider.timeoutMs,
    maxRetries: 0,
  });
}
