import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadModelSettings, PlanwrightConfig } from '../../src/config';
import { closestWord, editDistance } from '../../src/domain/edit-distance';
import { knownKeysAt } from '../../src/domain/unknown-keys';

function withConfig(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-keys-'));
  writeFileSync(path.join(dir, 'planwright.config.json'), JSON.stringify(config));
  return dir;
}

/** The lines of the ConfigError that loading `config` throws. */
function problems(config: unknown): string[] {
  try {
    loadModelSettings({}, withConfig(config));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  assert.fail('the config was accepted');
}

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    assert.equal(editDistance('agents', 'agents'), 0);
    assert.equal(editDistance('agnets', 'agents'), 1);
    assert.equal(editDistance('defualts', 'defaults'), 1);
    assert.equal(editDistance('model', 'models'), 1);
    assert.equal(editDistance('api', 'apx'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('finds the word a key most likely meant, ignoring case, and none when nothing is close', () => {
    assert.equal(closestWord('agnets', ['provider', 'defaults', 'agents']), 'agents');
    assert.equal(closestWord('baseUrl', ['baseURL', 'apiKeyEnv']), 'baseURL');
    assert.equal(closestWord('maxTokens', ['model', 'maxOutputTokens']), 'maxOutputTokens');
    assert.equal(closestWord('zzzzzzzz', ['provider', 'defaults', 'agents']), undefined);
    assert.equal(closestWord('x', []), undefined);
  });
});

describe('unknown keys in planwright.config.json', () => {
  it('rejects a misspelt top-level key, naming the key it most likely meant', () => {
    assert.deepEqual(problems({ agnets: { code: { model: 'm' } }, defualts: {} }), [
      'unknown key "agnets" (did you mean "agents"?)',
      'unknown key "defualts" (did you mean "defaults"?)',
    ]);
  });

  it('rejects unknown keys at every level, each with its full path', () => {
    assert.deepEqual(
      problems({
        provider: { baseUrl: 'http://localhost:11434/v1' },
        defaults: { maxTokens: 100 },
        agents: { code: { modle: 'm' } },
        customAgents: [{ type: 'sql', description: 'd', instructions: 'i', instruction: 'i' }],
        prices: { m: { inputPer1K: 1, outputPer1K: 2, cachedInputPer1k: 0.5 } },
        notifications: { webhook: 'https://hooks.example.com/a' },
        temporal: { uiUrl: 'http://localhost:8080' },
      }),
      [
        'unknown key "provider.baseUrl" (did you mean "provider.baseURL"?)',
        'unknown key "defaults.maxTokens" (did you mean "defaults.maxOutputTokens"?)',
        'unknown key "agents.code.modle" (did you mean "agents.code.model"?)',
        'unknown key "customAgents.0.instruction" (did you mean "customAgents.0.instructions"?)',
        'unknown key "prices.m.cachedInputPer1k" (did you mean "prices.m.cachedInputPer1K"?)',
        'unknown key "notifications.webhook" (did you mean "notifications.webhookUrl"?)',
        'unknown key "temporal.uiUrl" (did you mean "temporal.webUiUrl"?)',
      ],
    );
  });

  it('lists the known keys when no key is close to an unknown one', () => {
    const [line] = problems({ colour: 'blue' });
    assert.match(line!, /^unknown key "colour" \(known keys here: provider, defaults, agents, .*workspace\)$/);
  });

  it('keeps agents and prices open to any agent type and model name', () => {
    const settings = loadModelSettings(
      {},
      withConfig({
        agents: { sql: { model: 'm-sql' }, planner: { model: 'm-plan' } },
        prices: { 'my-local-model:7b': { inputPer1K: 0.1, outputPer1K: 0.1 } },
      }),
    );
    assert.equal(settings.agents.sql?.model, 'm-sql');
    assert.deepEqual(settings.prices['my-local-model:7b'], { inputPer1K: 0.1, outputPer1K: 0.1 });
  });

  it('accepts the example configurations shipped with the project', () => {
    for (const name of ['planwright.config.openai.json', 'planwright.config.local.json']) {
      const env = { PLANWRIGHT_CONFIG: path.join(__dirname, '..', '..', 'examples', name) };
      assert.doesNotThrow(() => loadModelSettings(env, tmpdir()), name);
    }
  });

  it('knows the keys of every object of the schema, through records and arrays', () => {
    assert.ok(knownKeysAt(PlanwrightConfig, []).includes('agents'));
    assert.ok(knownKeysAt(PlanwrightConfig, ['agents', 'any-type']).includes('maxOutputTokens'));
    assert.ok(knownKeysAt(PlanwrightConfig, ['customAgents', 3]).includes('instructions'));
    assert.deepEqual(knownKeysAt(PlanwrightConfig, ['inputTokenMargin']), []);
    assert.deepEqual(knownKeysAt(PlanwrightConfig, ['nowhere', 'at-all']), []);
  });
});
