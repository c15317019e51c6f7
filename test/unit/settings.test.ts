import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createOpenAIClient } from '../../src/activities/model/client';
import { readPlanFile } from '../../src/cli/inputs';
import { ConfigError, loadModelSettings, resolveWebUiUrl, settingsFor } from '../../src/config';
import { EXIT, UserError } from '../../src/infra/errors';
import { diamondPlan } from '../helpers/plans';

function withConfig(config: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-config-'));
  writeFileSync(path.join(dir, 'planwright.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

/** What Notepad and other Windows editors put before UTF-8 text. */
const BOM = '\uFEFF';

describe('model settings', () => {
  it('merges agent overrides over defaults, and the environment over the file', () => {
    const dir = withConfig({ defaults: { model: 'm-default' }, agents: { code: { model: 'm-code', temperature: 0 } } });
    const settings = loadModelSettings({ OPENAI_BASE_URL: 'http://localhost:9/v1', PLANWRIGHT_MODEL: 'm-env' }, dir);
    assert.equal(settings.provider.baseURL, 'http://localhost:9/v1');
    assert.equal(settingsFor(settings, 'implementer', 'code').model, 'm-code');
    assert.equal(settingsFor(settings, 'implementer', 'docs').model, 'm-env');
    assert.equal(settingsFor(settings, 'reviewer').maxOutputTokens, 2048);
  });

  it('reports an invalid setting with its field and what is allowed', () => {
    const dir = withConfig({ defaults: { temperature: 7, api: 'soap' } });
    assert.throws(
      () => loadModelSettings({}, dir),
      (err: unknown) =>
        err instanceof ConfigError &&
        /planwright\.config\.json is invalid/.test(err.message) &&
        /defaults\.temperature: Too big: expected number to be <=2/.test(err.message) &&
        /defaults\.api: Invalid option: expected one of "chat"\|"responses"/.test(err.message),
    );
  });

  it('is a usage error (exit 2) wherever it surfaces, the worker included', () => {
    assert.throws(
      () => loadModelSettings({}, withConfig({ defaults: { temperature: 7 } })),
      (err: unknown) => err instanceof UserError && err.exitCode === EXIT.usage,
    );
  });

  it('reads a config file saved with a byte-order mark', () => {
    const dir = withConfig(`${BOM}${JSON.stringify({ defaults: { model: 'm-bom' } })}`);
    assert.equal(loadModelSettings({}, dir).defaults.model, 'm-bom');
  });

  it('reports a config file that is not JSON, and a PLANWRIGHT_CONFIG that does not exist', () => {
    assert.throws(() => loadModelSettings({}, withConfig('{ nope')), /not valid JSON .*fix the syntax/);
    assert.throws(() => loadModelSettings({ PLANWRIGHT_CONFIG: '/no/such.json' }, tmpdir()), /no such file/);
  });

  it('rejects an OPENAI_BASE_URL that is not a URL, naming the fix', () => {
    assert.throws(
      () => loadModelSettings({ OPENAI_BASE_URL: 'localhost:8000' }, tmpdir()),
      /OPENAI_BASE_URL=localhost:8000 is not an http\(s\) URL; use e\.g\. http:\/\/localhost:8000\/v1/,
    );
  });

  it('takes the notification webhook from the config file, and PLANWRIGHT_WEBHOOK_URL over it', () => {
    const dir = withConfig(JSON.stringify({ notifications: { webhookUrl: 'https://hooks.example.com/a' } }));
    assert.equal(loadModelSettings({}, dir).notifications.webhookUrl, 'https://hooks.example.com/a');
    assert.equal(
      loadModelSettings({ PLANWRIGHT_WEBHOOK_URL: 'http://localhost:9/b' }, dir).notifications.webhookUrl,
      'http://localhost:9/b',
    );
    assert.deepEqual(loadModelSettings({}, tmpdir()).notifications, {});
    assert.throws(
      () => loadModelSettings({ PLANWRIGHT_WEBHOOK_URL: 'hooks.slack.com/x' }, tmpdir()),
      /PLANWRIGHT_WEBHOOK_URL=hooks\.slack\.com\/x is not an http\(s\) URL/,
    );
    assert.throws(
      () => loadModelSettings({}, withConfig(JSON.stringify({ notifications: { webhookUrl: 'ftp://x' } }))),
      /notifications\.webhookUrl/,
    );
  });

  it('refuses to build a client with neither an API key nor a base URL, saying how to get one', () => {
    const settings = loadModelSettings({}, mkdtempSync(path.join(tmpdir(), 'pw-empty-')));
    assert.throws(() => createOpenAIClient(settings), /OPENAI_API_KEY is not set: .*OPENAI_BASE_URL/);
  });
});

describe('the Web UI that links point at', () => {
  it("is the dev server's by default", () => {
    assert.equal(resolveWebUiUrl({}, tmpdir()), 'http://localhost:8233');
  });

  it('comes from temporal.webUiUrl in the config file, and PLANWRIGHT_UI_URL over it', () => {
    const dir = withConfig({ temporal: { webUiUrl: 'http://localhost:8080/' } });
    assert.equal(resolveWebUiUrl({}, dir), 'http://localhost:8080');
    assert.equal(resolveWebUiUrl({ PLANWRIGHT_UI_URL: 'https://ui.example.com' }, dir), 'https://ui.example.com');
  });

  it('must be an http(s) URL, in the file as in the environment', () => {
    assert.throws(
      () => resolveWebUiUrl({ PLANWRIGHT_UI_URL: 'localhost:8080' }, tmpdir()),
      /PLANWRIGHT_UI_URL=localhost:8080 is not an http\(s\) URL; use e\.g\. http:\/\/localhost:8080/,
    );
    assert.throws(
      () => resolveWebUiUrl({}, withConfig({ temporal: { webUiUrl: 'localhost:8080' } })),
      /temporal\.webUiUrl: must be an http\(s\) URL such as http:\/\/localhost:8080/,
    );
  });
});

describe('plan files', () => {
  it('reads a plan file saved with a byte-order mark', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pw-plan-')), 'plan.json');
    writeFileSync(file, `${BOM}${JSON.stringify(diamondPlan('Ship it'))}`);
    assert.equal(readPlanFile(file).tasks.length, 5);
  });
});
