/**
 * The worker's MCP client against real servers, no Temporal server needed: the reference filesystem and "everything"
 * servers from the npm registry over stdio (tools listed, calls made and their results used, a tool's own error, a
 * server killed between calls and during one, a timeout, a secret from the worker's environment kept out of results),
 * a Streamable HTTP server the test serves itself behind a bearer token taken from an environment variable (the token
 * absent from every returned string and failure), and servers that cannot start, each failing with one line that
 * names it and the fix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { callMcpTool, listMcpTools, McpClientPool } from '../../src/activities/mcp';
import { McpServersConfig } from '../../src/config';
import {
  MCP_CONFIG_INVALID,
  MCP_PROTOCOL_ERROR,
  MCP_SERVER_REFUSED,
  MCP_SERVER_UNAVAILABLE,
  type McpCallResult,
  type McpFailureDetails,
} from '../../src/domain/mcp';
import { serveMcpOverHttp, type McpHttpServer } from '../helpers/mcp-http';

const bin = (name: string) => path.join(__dirname, '..', '..', 'node_modules', '.bin', name);
const FILESYSTEM = bin('mcp-server-filesystem');
const EVERYTHING = bin('mcp-server-everything');

const scratch = mkdtempSync(path.join(tmpdir(), 'pw-mcp-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A checkout stand-in: a fresh folder with one file. */
function checkout(): string {
  const dir = mkdtempSync(path.join(scratch, 'checkout-'));
  writeFileSync(path.join(dir, 'notes.md'), '# Notes\nThe answer is 42.\n');
  return dir;
}

let pool: McpClientPool;
afterEach(() => pool?.closeAll());

/** The ApplicationFailure `promise` rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  assert.fail('it succeeded');
}

function okText(result: McpCallResult): string {
  assert.ok(result.ok, JSON.stringify(result));
  return result.text;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a stdio server in the task checkout (the reference filesystem server)', { timeout: 60_000 }, () => {
  const servers = McpServersConfig.parse({
    files: {
      command: FILESYSTEM,
      args: ['.'],
      cwd: 'checkout',
      tools: { '*': ['read_text_file', 'list_directory'], code: ['read_text_file', 'write_file'] },
      requiresApproval: ['write_*'],
      idempotent: ['read_*', 'list_*'],
    },
  });

  it('lists the tools some agent type may use, with qualified names, schemas and the config flags', async () => {
    pool = new McpClientPool();
    const tools = await listMcpTools(pool, servers, { taskKey: 't1', checkoutDir: checkout() });
    assert.deepEqual(
      tools.map((t) => [t.qualifiedName, t.idempotent, t.requiresApproval]),
      [
        ['mcp__files__read_text_file', true, false],
        ['mcp__files__write_file', false, true],
        ['mcp__files__list_directory', true, false],
      ],
    );
    const read = tools[0]!;
    assert.equal(read.server, 'files');
    assert.equal(read.name, 'read_text_file');
    assert.match(read.description, /file/i);
    assert.equal(read.inputSchema.type, 'object');
    assert.ok((read.inputSchema.properties as Record<string, unknown>).path);
  });

  it("works in the task's own checkout: a file written through one call is read back by the next", async () => {
    pool = new McpClientPool();
    const dir = checkout();
    const call = (tool: string, args: Record<string, unknown>) =>
      callMcpTool(pool, servers, { server: 'files', tool, arguments: args, taskKey: 't1', checkoutDir: dir });
    assert.match(okText(await call('read_text_file', { path: 'notes.md' })), /The answer is 42\./);
    okText(await call('write_file', { path: 'answer.txt', content: 'forty-two' }));
    assert.equal(readFileSync(path.join(dir, 'answer.txt'), 'utf8'), 'forty-two');
    assert.equal(okText(await call('read_text_file', { path: 'answer.txt' })), 'forty-two');
  });

  it("returns a tool's own error as a result the model reads (isError)", async () => {
    pool = new McpClientPool();
    const result = await callMcpTool(pool, servers, {
      server: 'files',
      tool: 'read_text_file',
      arguments: { path: 'missing.md' },
      taskKey: 't1',
      checkoutDir: checkout(),
    });
    assert.ok(result.ok && result.isError, JSON.stringify(result));
    assert.match(result.text, /ENOENT|no such file/i);
  });

  it('runs one process per task and stops a task’s process when the task is closed', async () => {
    pool = new McpClientPool();
    const call = (taskKey: string) =>
      callMcpTool(pool, servers, {
        server: 'files',
        tool: 'list_directory',
        arguments: { path: '.' },
        taskKey,
        checkoutDir: checkout(),
      });
    okText(await call('t1'));
    okText(await call('t2'));
    const pids = pool.entries().map((e) => [e.taskKey, e.pid] as const);
    assert.deepEqual(
      pids.map(([task]) => task),
      ['t1', 't2'],
    );
    await pool.closeTask('t1');
    assert.deepEqual(
      pool.entries().map((e) => e.taskKey),
      ['t2'],
    );
    await waitUntil(() => !isRunning(pids[0]![1]!), "t1's server has exited");
  });

  it('names a configured tool the server does not have, with the one most likely meant', async () => {
    pool = new McpClientPool();
    const misspelt = McpServersConfig.parse({
      files: { command: FILESYSTEM, args: ['.'], cwd: 'checkout', requiresApproval: ['write_fiel'] },
    });
    const failure = await failureOf(listMcpTools(pool, misspelt));
    assert.equal(failure.type, MCP_CONFIG_INVALID);
    assert.equal(
      failure.message,
      'MCP server "files": has no tool "write_fiel" (mcpServers.files.requiresApproval); did you mean "write_file"?',
    );
    assert.deepEqual(pool.entries(), [], 'the throwaway listing server is stopped');
  });
});

describe('a shared stdio server that dies (the reference "everything" server)', { timeout: 60_000 }, () => {
  const secret = `canary-${randomUUID()}`;
  const servers = McpServersConfig.parse({
    // 3 s: the handshake of a start under load fits, and a call that outlasts it keeps the test short.
    everything: { command: EVERYTHING, envFrom: ['PW_TEST_SECRET'], timeoutSeconds: 3, maxResultChars: 200 },
  });
  const env = { ...process.env, PW_TEST_SECRET: secret };
  const call = (tool: string, args: Record<string, unknown> = {}) =>
    callMcpTool(pool, servers, { server: 'everything', tool, arguments: args });
  const pid = () => pool.entries()[0]?.pid;

  it('is started once and shared by calls of every task', async () => {
    pool = new McpClientPool({ env });
    assert.equal(okText(await call('echo', { message: 'hi' })), 'Echo: hi');
    const first = pid();
    await callMcpTool(pool, servers, { server: 'everything', tool: 'echo', arguments: { message: 'x' }, taskKey: 'b' });
    assert.equal(pool.entries().length, 1);
    assert.equal(pid(), first);
  });

  it('describes content that is not text in a line', async () => {
    pool = new McpClientPool({ env });
    assert.match(okText(await call('get-tiny-image')), /^\[image\/png, \d+ KB\]$/m);
  });

  it('is started again by the next call after its process was killed between calls', async () => {
    pool = new McpClientPool({ env });
    okText(await call('echo', { message: 'before' }));
    const first = pid()!;
    process.kill(first, 'SIGKILL');
    await waitUntil(() => !isRunning(first), 'the server has exited');
    assert.equal(okText(await call('echo', { message: 'after' })), 'Echo: after');
    assert.notEqual(pid(), first);
  });

  it('reports a call cut short by the death of its server as a tool error, and has restarted it', async () => {
    pool = new McpClientPool({ env });
    okText(await call('echo', { message: 'warm up' }));
    const first = pid()!;
    const running = call('trigger-long-running-operation', { duration: 1.5, steps: 3 });
    setTimeout(() => process.kill(first, 'SIGKILL'), 300);
    const result = await running;
    assert.deepEqual(result, {
      ok: false,
      error:
        'MCP server "everything" stopped during the call of "trigger-long-running-operation" and was restarted; the call may have taken effect in part, so check before calling it again',
    });
    const second = pid();
    assert.ok(second !== undefined && second !== first && isRunning(second), 'a new process runs');
    assert.equal(okText(await call('echo', { message: 'again' })), 'Echo: again');
  });

  it('reports a call that outlasts timeoutSeconds as a tool error', async () => {
    pool = new McpClientPool({ env });
    const result = await call('trigger-long-running-operation', { duration: 5, steps: 1 });
    assert.deepEqual(result, {
      ok: false,
      error:
        'MCP server "everything": "trigger-long-running-operation" did not finish within 3 s and was cancelled; it may have taken effect in part, so check before calling it again',
    });
  });

  it('cuts a long result to maxResultChars, keeping its head and tail and saying how much is left out', async () => {
    pool = new McpClientPool({ env });
    const result = await call('echo', { message: `start ${'x'.repeat(1000)} end` });
    assert.ok(result.ok && result.truncated, JSON.stringify(result));
    assert.ok(result.text.length <= 200);
    assert.match(result.text, /^Echo: start x+\n… \[\d+ characters cut\] …\nx+ end$/);
  });

  it('passes envFrom variables to the server and keeps their values out of results', async () => {
    pool = new McpClientPool({ env });
    // Uncut, so that a secret anywhere in the environment would show.
    const uncut = { everything: { ...servers.everything!, maxResultChars: 100_000 } };
    const text = okText(await callMcpTool(pool, uncut, { server: 'everything', tool: 'get-env', arguments: {} }));
    assert.match(text, /"PW_TEST_SECRET": "\*\*\*"/);
    assert.ok(!text.includes(secret));
  });

  it('stops every server on closeAll and starts none afterwards', async () => {
    pool = new McpClientPool({ env });
    okText(await call('echo', { message: 'x' }));
    const running = pid()!;
    await pool.closeAll();
    assert.ok(!isRunning(running));
    const failure = await failureOf(call('echo', { message: 'y' }));
    assert.equal(failure.type, MCP_SERVER_UNAVAILABLE);
    assert.equal(failure.nonRetryable, false, 'the activity moves on to another worker');
  });
});

describe('a stdio server that dies during a call and cannot be started again', { timeout: 60_000 }, () => {
  it('fails the activity with one line and the dead process’s stderr tail, its secrets redacted', async () => {
    const secret = `canary-${randomUUID()}`;
    const dir = mkdtempSync(path.join(scratch, 'flaky-'));
    const script = path.join(dir, 'flaky-server.cjs');
    // Starts once: a second start finds the marker and exits, as a server whose lock or port is still held would.
    writeFileSync(
      script,
      `const fs = require('node:fs');
const marker = ${JSON.stringify(path.join(dir, 'started'))};
if (fs.existsSync(marker)) { console.error('cannot start: the lock is held'); process.exit(3); }
fs.writeFileSync(marker, '');
const { McpServer } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/mcp.js'))});
const { StdioServerTransport } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/stdio.js'))});
const server = new McpServer({ name: 'flaky', version: '1.0.0' });
server.registerTool('die', { description: 'Exits during the call' }, async () => {
  console.error('out of memory while holding ' + process.env.PW_TEST_SECRET);
  process.exit(1);
});
server.connect(new StdioServerTransport());
`,
    );
    pool = new McpClientPool({ env: { PW_TEST_SECRET: secret } });
    const servers = McpServersConfig.parse({
      flaky: { command: process.execPath, args: [script], envFrom: ['PW_TEST_SECRET'] },
    });
    const failure = await failureOf(callMcpTool(pool, servers, { server: 'flaky', tool: 'die', arguments: {} }));
    assert.equal(failure.type, MCP_SERVER_UNAVAILABLE);
    assert.match(
      failure.message,
      /^MCP server "flaky": stopped during a call of "die" and could not be started again: command ".*" exited before answering; check mcpServers\.flaky\.command and mcpServers\.flaky\.args; its stderr ends: out of memory while holding \*\*\*$/,
    );
    const details = failure.details?.[0] as McpFailureDetails;
    assert.deepEqual(details, { server: 'flaky', fault: 'server', stderrTail: 'out of memory while holding ***' });
    assert.ok(!JSON.stringify([failure.message, failure.details]).includes(secret));
  });
});

describe('a Streamable HTTP server behind a bearer token from the environment', { timeout: 60_000 }, () => {
  const token = `tok-${randomUUID()}`;
  let http: McpHttpServer;
  let url: string;

  /** One stateless MCP server per request, as the SDK's stateless example does; it echoes what it was sent. */
  function mcpServer(authorization: string): McpServer {
    const server = new McpServer({ name: 'test-http', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
      ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
    );
    server.registerTool('whoami', { description: 'Says what the caller sent' }, () => ({
      content: [{ type: 'text', text: `you sent ${authorization}` }],
    }));
    server.registerTool('fail', { description: 'Always fails' }, () => {
      throw new Error(`no luck for ${authorization}`);
    });
    return server;
  }

  before(async () => {
    http = await serveMcpOverHttp((req) => mcpServer(req.headers.authorization ?? ''), {
      authorization: `Bearer ${token}`,
    });
    url = http.url;
  });
  after(() => http?.close());

  const configFor = () =>
    McpServersConfig.parse({ remote: { url, headersFromEnv: { Authorization: 'PW_TEST_MCP_AUTH' } } });

  it('lists tools and calls them with the header read from the environment, never returning its value', async () => {
    pool = new McpClientPool({ env: { PW_TEST_MCP_AUTH: `Bearer ${token}` } });
    const servers = configFor();
    const tools = await listMcpTools(pool, servers);
    assert.deepEqual(
      tools.map((t) => t.qualifiedName),
      ['mcp__remote__add', 'mcp__remote__whoami', 'mcp__remote__fail'],
    );
    const call = (tool: string, args: Record<string, unknown> = {}) =>
      callMcpTool(pool, servers, { server: 'remote', tool, arguments: args });
    assert.equal(okText(await call('add', { a: 2, b: 40 })), '42');
    const results = [await call('whoami'), await call('fail')];
    assert.deepEqual(results[0], { ok: true, text: 'you sent ***', truncated: false, isError: false });
    const failed = results[1]!;
    assert.ok(failed.ok && failed.isError, JSON.stringify(failed));
    assert.equal(failed.text, 'no luck for ***');
    for (const text of [JSON.stringify(tools), JSON.stringify(results)]) assert.ok(!text.includes(token));
  });

  it('fails with one line saying which variable holds the refused credentials, without their value', async () => {
    const wrong = `tok-${randomUUID()}`;
    pool = new McpClientPool({ env: { PW_TEST_MCP_AUTH: `Bearer ${wrong}` } });
    const failure = await failureOf(listMcpTools(pool, configFor()));
    assert.equal(failure.type, MCP_SERVER_REFUSED);
    assert.equal(failure.nonRetryable, true);
    assert.equal(
      failure.message,
      `MCP server "remote": ${url} refused the worker (HTTP 401); check the credentials in PW_TEST_MCP_AUTH (mcpServers.remote.headersFromEnv)`,
    );
    assert.ok(!JSON.stringify([failure.message, failure.details, failure.stack]).includes(wrong));
  });

  it('names the unset variable a header needs before connecting', async () => {
    pool = new McpClientPool({ env: {} });
    const failure = await failureOf(listMcpTools(pool, configFor()));
    assert.equal(failure.type, MCP_CONFIG_INVALID);
    assert.equal(
      failure.message,
      'MCP server "remote": header Authorization needs environment variable PW_TEST_MCP_AUTH (mcpServers.remote.headersFromEnv), which is not set on this worker; set it where the worker starts',
    );
  });
});

describe('servers that cannot start: one line naming the server and the fix', { timeout: 60_000 }, () => {
  const list = (config: unknown, env: NodeJS.ProcessEnv = process.env) => {
    pool = new McpClientPool({ env });
    return failureOf(listMcpTools(pool, McpServersConfig.parse(config)));
  };

  it('a command that does not exist', async () => {
    const failure = await list({ files: { command: 'pw-no-such-mcp-server' } });
    assert.equal(failure.type, MCP_CONFIG_INVALID);
    assert.equal(
      failure.message,
      'MCP server "files": command "pw-no-such-mcp-server" was not found on this worker\'s PATH; check mcpServers.files.command',
    );
  });

  it('a server that exits before answering, with the end of its stderr', async () => {
    const failure = await list({ files: { command: FILESYSTEM, args: [path.join(scratch, 'no-such-dir')] } });
    assert.equal(failure.type, MCP_SERVER_UNAVAILABLE);
    assert.match(
      failure.message,
      /^MCP server "files": command ".*mcp-server-filesystem" exited before answering; check mcpServers\.files\.command and mcpServers\.files\.args; its stderr ends: .*None of the specified directories are accessible$/,
    );
    assert.ok(!failure.message.includes('\n'));
    const details = failure.details?.[0] as McpFailureDetails;
    assert.equal(details.server, 'files');
    assert.match(details.stderrTail ?? '', /None of the specified directories are accessible/);
  });

  it('a program that is not an MCP server', async () => {
    const script = 'process.stdout.write("hello, I am not MCP\\n"); setInterval(() => {}, 1000);';
    const failure = await list({ chatty: { command: process.execPath, args: ['-e', script], timeoutSeconds: 1 } });
    assert.equal(failure.type, MCP_PROTOCOL_ERROR);
    assert.match(
      failure.message,
      /^MCP server "chatty": command ".*" did not answer the MCP handshake: it wrote what is not MCP to stdout \(.+\); check that mcpServers\.chatty\.command starts an MCP server speaking stdio \(logs go to stderr, never stdout\)$/,
    );
  });

  it('an envFrom variable the worker does not have', async () => {
    const failure = await list({ everything: { command: EVERYTHING, envFrom: ['PW_TEST_UNSET'] } }, {});
    assert.equal(failure.type, MCP_CONFIG_INVALID);
    assert.equal(
      failure.message,
      'MCP server "everything": environment variable PW_TEST_UNSET (mcpServers.everything.envFrom) is not set on this worker; set it where the worker starts, or remove it from envFrom',
    );
  });

  it('an HTTP server that is not there', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const failure = await list({ remote: { url: `http://127.0.0.1:${port}/mcp?key=secret-in-query` } });
    assert.equal(failure.type, MCP_SERVER_UNAVAILABLE);
    assert.match(
      failure.message,
      /^MCP server "remote": http:\/\/127\.0\.0\.1:\d+\/mcp\?key=\*\*\* could not be reached \(.*\); check that it runs and mcpServers\.remote\.url$/,
    );
    assert.ok(!failure.message.includes('secret-in-query'));
  });
});
