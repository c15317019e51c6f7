/**
 * `npm start` (`planwright demo`), as a newcomer runs it: its own dev server on the port TEMPORAL_ADDRESS names, with
 * a database of its own, the Web UI links derived from the server it started, and a clear refusal when something
 * that is not Temporal holds the port; and the goal's CSV-to-JSON tool really built, its own suite passing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

    // What the goal asked for, built for real: a CSV-to-JSON tool whose own suite passes on the merged result.
    const clone = /git clone --branch (\S+) (\S+) <dir>/.exec(result.stdout);
    assert.ok(clone, result.stdout);
    const dir = path.join(openTmpDir('pw-demo-result-'), 'csv2json');
    assert.equal(spawnSync('git', ['clone', '-q', '--branch', clone[1]!, clone[2]!, dir]).status, 0);
    const converted = spawnSync(process.execPath, ['bin/csv2json.js', 'examples/people.csv'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(converted.status, 0, converted.stderr);
    assert.deepEqual(
      (JSON.parse(converted.stdout) as { name: string }[]).map((p) => p.name),
      ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'],
    );
    // Run as a user would: not as a child of this test run, whose reporter would take its output.
    const userEnv = { ...process.env };
    delete userEnv.NODE_TEST_CONTEXT;
    const suite = spawnSync(process.execPath, ['--test'], { cwd: dir, encoding: 'utf8', env: userEnv });
    assert.equal(suite.status, 0, suite.stdout);
    assert.match(suite.stdout, /# pass 12\n# fail 0/);
    assert.match(
      readFileSync(path.join(dir, 'README.md'), 'utf8'),
      /node bin\/csv2json\.js \[--pretty\] \[FILE\.csv\]/,
    );
  });

  it('says so, and how to move, when the port is held by something that is not Temporal', async () => {
    // The demo's gRPC client resets the connection when the answer is not HTTP/2: not an error of this test.
    const squatter: Server = createServer((socket) => socket.on('error', () => undefined).end('hello\n'));
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
