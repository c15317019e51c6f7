import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../domain/plan-validation';
import { DEFAULT_PRICES } from '../domain/prices';
import { ConfigError } from './errors';
import { DEFAULT_MODEL_SETTINGS, DEFAULT_PROVIDER, PlanwrightConfig, type ModelSettings } from './schema';

/**
 * Loads `planwright.config.json` (or the file named by PLANWRIGHT_CONFIG) and the environment. Environment variables
 * win over the file: OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, PLANWRIGHT_MODEL, PLANWRIGHT_WEBHOOK_URL.
 */
export function loadModelSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ModelSettings {
  const explicit = env.PLANWRIGHT_CONFIG;
  const file = path.resolve(cwd, explicit ?? 'planwright.config.json');
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON (${(err as Error).message}); fix the syntax`);
    }
  } else if (explicit) {
    throw new ConfigError(`PLANWRIGHT_CONFIG=${explicit}: no such file; point it at a planwright.config.json`);
  }
  const parsed = PlanwrightConfig.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `${file} is invalid:\n${formatIssues(parsed.error.issues)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  }
  const config = parsed.data;
  const provider: ModelSettings['provider'] = { ...DEFAULT_PROVIDER, ...config.provider };
  if (env.OPENAI_BASE_URL) provider.baseURL = checkUrl('OPENAI_BASE_URL', env.OPENAI_BASE_URL);
  if (env.OPENAI_ORG_ID) provider.organization = env.OPENAI_ORG_ID;
  if (env.OPENAI_PROJECT_ID) provider.project = env.OPENAI_PROJECT_ID;
  const apiKey = env[provider.apiKeyEnv];
  if (apiKey) provider.apiKey = apiKey;
  const defaults = { ...DEFAULT_MODEL_SETTINGS, ...config.defaults };
  if (env.PLANWRIGHT_MODEL) defaults.model = env.PLANWRIGHT_MODEL;
  const webhookUrl = env.PLANWRIGHT_WEBHOOK_URL
    ? checkUrl('PLANWRIGHT_WEBHOOK_URL', env.PLANWRIGHT_WEBHOOK_URL, 'https://hooks.slack.com/services/…')
    : config.notifications.webhookUrl;
  return {
    provider,
    defaults,
    agents: config.agents,
    customAgents: config.customAgents,
    prices: { ...DEFAULT_PRICES, ...config.prices },
    inputTokenMargin: config.inputTokenMargin,
    notifications: webhookUrl ? { webhookUrl } : {},
  };
}

function checkUrl(name: string, value: string, example = 'http://localhost:8000/v1'): string {
  // "localhost:8000" parses as a URL with the scheme "localhost:"; only http(s) reaches a provider.
  if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) {
    throw new ConfigError(`${name}=${value} is not an http(s) URL; use e.g. ${example}`);
  }
  return value;
}
