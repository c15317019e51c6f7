/**
 * `npm start` (`planwright demo`), as a newcomer runs it: its own dev server on the port TEMPORAL_ADDRESS names, with
 * a database of its own, the Web UI links derived from the server it started, and a clear refusal when something
 * that is not Temporal holds the port.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { planwright } from '../helpers/cli';
import { openTmpDir } from '../helpers/git-fixtures';
import { freePort } from '../helpers/ports';

describe('the demo', { timeout: 300_000 }, () => {
  it('starts its own server on the port TEMPORAL_ADDRESS names, with its own database, and links to its Web UI', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const result = await planwright(['demo', '--ui-port', String(uiPort)], {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      PLANWRIGHT_WORKSPACE_DIR: openTmpDir('pw-demo-'),
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '',
    });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(
      result.stdout,
      new RegExp(`Temporal dev server on 127\\.0\\.0\\.1:${port}, Web UI on http://localhost:${uiPort}`),
    );
    assert.match(result.stdout, new RegExp(`Web UI: http://localhost:${uiPort}/namespaces/default/workflows/pw-`));
    assert.match(result.stdout, new RegExp(`npm run server -- --port ${port} --ui-port ${uiPort}`));
    assert.match(result.stdout, /verified: passed node --test/);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /No workflows registered/);
    assert.ok(existsSync(path.join(__dirname, '..', '..', '.planwright', `temporal-dev-${port}.db`)));
  });

  it('says so, and how to move, when the port is held by something that is not Temporal', async () => {
    const squatter: Server = createServer((socket) => socket.end('hello\n'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as { port: number };
    try {
      const result = await planwright(['demo'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port} answers, but not as a Temporal server`));
      assert.match(result.stderr, /TEMPORAL_ADDRESS=127\.0\.0\.1:17233 npm start/);
    } finally {
      squatter.close();
    }
  });
});
