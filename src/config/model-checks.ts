import { rejectsTemperature } from '../domain/model-families';
import { ConfigError } from './errors';
import type { ModelSettings } from './schema';

/**
 * Refuses settings that give a model a temperature it rejects (OpenAI's reasoning models take only the default 1),
 * naming every place and the fix, so the mistake shows at start rather than as a 400 on the first call. It checks each
 * agent's own model; a fallback model or an escalation that rejects the temperature gets the request without it (the
 * worker logs that once), since the temperature is meant for the agent's first choice.
 */
export function checkModelSettings(settings: Pick<ModelSettings, 'defaults' | 'agents'>): void {
  const { defaults } = settings;
  const problems: string[] = [];
  if (rejectsTemperature(defaults.model, defaults.temperature)) {
    problems.push(
      `defaults: model "${defaults.model}" with temperature ${defaults.temperature}: ` +
        'remove "temperature" from defaults (or set it to 1), or pick a chat model such as gpt-4.1-mini',
    );
  }
  for (const [key, overrides] of Object.entries(settings.agents)) {
    // An agent that changes neither has the defaults' problem, reported once above.
    if (overrides.model === undefined && overrides.temperature === undefined) continue;
    const model = overrides.model ?? defaults.model;
    const temperature = overrides.temperature ?? defaults.temperature;
    if (!rejectsTemperature(model, temperature)) continue;
    const fix =
      overrides.temperature === undefined
        ? `set "temperature": 1 in agents.${key} (it inherits ${temperature} from defaults)`
        : `remove "temperature" from agents.${key} (or set it to 1)`;
    problems.push(`agents.${key}: model "${model}" with temperature ${temperature}: ${fix}, or pick a chat model`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      "OpenAI's reasoning models (o1, o3, o4-mini, the gpt-5 family) accept only the default temperature 1:\n" +
        problems.map((p) => `  ${p}`).join('\n'),
    );
  }
}
