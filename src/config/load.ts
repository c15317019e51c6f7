import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { createAgentRegistry } from '../domain/agents';
import { formatIssues } from '../domain/plan-validation';
import { DEFAULT_PRICES } from '../domain/prices';
import { unknownKeyMessages } from '../domain/unknown-keys';
import { ConfigError } from './errors';
import { mcpAgentTypeProblems } from './mcp';
import { checkModelSettings } from './model-checks';
import { DEFAULT_MODEL_SETTINGS, DEFAULT_PROVIDER, PlanwrightConfig, type ModelSettings } from './schema';

/**
 * Reads and validates `planwright.config.json` in `cwd` (or the file named by PLANWRIGHT_CONFIG); no such file is an
 * empty configuration. Every problem is listed, unknown keys with the key they most likely meant.
 */
export function loadConfigFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): PlanwrightConfig {
  const explicit = env.PLANWRIGHT_CONFIG;
  const file = path.resolve(cwd, explicit ?? 'planwright.config.json');
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
      raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON (${(err as Error).message}); fix the syntax`);
    }
  } else if (explicit) {
    throw new ConfigError(`PLANWRIGHT_CONFIG=${explicit}: no such file; point it at a planwright.config.json`);
  }
  const parsed = PlanwrightConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? unknownKeyMessages(PlanwrightConfig, issue.path, issue.keys)
        : formatIssues([issue]),
    );
    throw new ConfigError(`${file} is invalid:\n${problems.map((l) => `  ${l}`).join('\n')}`);
  }
  // Agent types in the MCP servers' tool maps must exist, or the tools would silently never be offered.
  const agentTypes = [...createAgentRegistry(parsed.data.customAgents).keys()];
  const mcpProblems = mcpAgentTypeProblems(parsed.data.mcpServers, agentTypes);
  if (mcpProblems.length > 0) {
    throw new ConfigError(`${file} is invalid:\n${mcpProblems.map((l) => `  ${l}`).join('\n')}`);
  }
  return parsed.data;
}

/**
 * Loads `planwright.config.json` (or the file named by PLANWRIGHT_CONFIG) and the environment. Environment variables
 * win over the file: OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, PLANWRIGHT_MODEL, PLANWRIGHT_WEBHOOK_URL.
 */
export function loadModelSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ModelSettings {
  const config = loadConfigFile(env, cwd);
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
  const settings: ModelSettings = {
    provider,
    defaults,
    agents: config.agents,
    customAgents: config.customAgents,
    prices: { ...DEFAULT_PRICES, ...config.prices },
    inputTokenMargin: config.inputTokenMargin,
    notifications: webhookUrl ? { webhookUrl } : {},
  };
  // After PLANWRIGHT_MODEL is applied: a reasoning model chosen by the environment is checked too.
  checkModelSettings(settings);
  return settings;
}

/** `value` of the environment variable `name` when it is an http(s) URL; otherwise a ConfigError naming an example. */
export function checkUrl(name: string, value: string, example = 'http://localhost:8000/v1'): string {
  // "localhost:8000" parses as a URL with the scheme "localhost:"; only http(s) reaches a provider.
  if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) {
    throw new ConfigError(`${name}=${value} is not an http(s) URL; use e.g. ${example}`);
  }
  return value;
}
