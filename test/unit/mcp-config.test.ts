/**
 * `mcpServers` in planwright.config.json: good stdio and HTTP servers with their defaults, every kind of bad entry
 * reported as one line that names the server and the fix, and the names and tool patterns the config speaks in.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfigFile, mcpAgentTypeProblems, McpServersConfig } from '../../src/config';
import { BUILTIN_AGENT_TYPES } from '../../src/domain/agents';
import {
  isMcpToolAllowed,
  isMcpToolAllowedForSomeAgent,
  matchesToolPattern,
  parseQualifiedMcpName,
  qualifiedMcpName,
} from '../../src/domain/mcp';

/** The config loaded from a file holding `mcpServers`. */
function load(mcpServers: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-mcp-config-'));
  writeFileSync(path.join(dir, 'planwright.config.json'), JSON.stringify({ mcpServers }));
  return loadConfigFile({}, dir);
}

/** The problem lines of the ConfigError that loading `mcpServers` throws. */
function problems(mcpServers: unknown): string[] {
  try {
    load(mcpServers);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  assert.fail('the config was accepted');
}

describe('mcpServers: good configurations', () => {
  it('reads a stdio server and an HTTP server, filling in the defaults', () => {
    const config = load({
      files: {
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '.'],
        env: { LOG_LEVEL: 'warn' },
        envFrom: ['GITHUB_TOKEN'],
        cwd: 'checkout',
        tools: { '*': ['read_*', 'list_directory'], code: ['*'] },
        requiresApproval: ['write_file', 'move_*'],
        idempotent: ['read_*'],
      },
      search: { url: 'https://mcp.example.com/mcp', headersFromEnv: { Authorization: 'SEARCH_MCP_AUTH' } },
    });
    const { files, search } = config.mcpServers;
    assert.equal(files?.command, 'npx');
    assert.equal(files?.cwd, 'checkout');
    assert.deepEqual(files?.envFrom, ['GITHUB_TOKEN']);
    assert.deepEqual(
      { timeoutSeconds: search?.timeoutSeconds, stateful: search?.stateful, maxResultChars: search?.maxResultChars },
      { timeoutSeconds: 60, stateful: false, maxResultChars: 12000 },
    );
    assert.deepEqual(search?.headersFromEnv, { Authorization: 'SEARCH_MCP_AUTH' });
  });

  it('is empty when the file has no mcpServers', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-mcp-config-'));
    writeFileSync(path.join(dir, 'planwright.config.json'), '{}');
    assert.deepEqual(loadConfigFile({}, dir).mcpServers, {});
  });
});

describe('mcpServers: bad configurations, one line each naming the server and the fix', () => {
  it('needs exactly one of command and url', () => {
    assert.deepEqual(problems({ a: { tools: { '*': ['x'] } }, b: { command: 'x', url: 'http://localhost:1/mcp' } }), [
      'mcpServers.a: needs "command" (a program the worker starts, spoken to over stdio) or "url" (a Streamable HTTP endpoint)',
      'mcpServers.b: has both "command" (stdio) and "url" (Streamable HTTP); keep one',
    ]);
  });

  it('refuses stdio settings on an HTTP server and headers on a stdio server', () => {
    assert.deepEqual(
      problems({
        web: { url: 'http://localhost:3000/mcp', envFrom: ['TOKEN'], cwd: 'checkout' },
        local: { command: 'server', headersFromEnv: { Authorization: 'TOKEN' } },
      }),
      [
        'mcpServers.web.envFrom: applies to stdio servers (with "command") only; remove it, or use headersFromEnv for an HTTP server',
        'mcpServers.web.cwd: applies to stdio servers (with "command") only; remove it, or use headersFromEnv for an HTTP server',
        'mcpServers.local.headersFromEnv: applies to HTTP servers (with "url") only; pass a stdio server its secrets with envFrom',
      ],
    );
  });

  it('refuses server names that are not short lowercase words, or that would make qualified names ambiguous', () => {
    const why =
      'is not a server name: use up to 32 lowercase letters, digits, "-" and "_" (not "__", not last), starting with a letter, e.g. "files"';
    assert.deepEqual(
      problems({
        Files: { command: 'x' },
        my__files: { command: 'x' },
        files_: { command: 'x' },
        '1files': { command: 'x' },
        ['f'.repeat(33)]: { command: 'x' },
      }),
      [
        `mcpServers.Files: "Files" ${why}`,
        `mcpServers.my__files: "my__files" ${why}`,
        `mcpServers.files_: "files_" ${why}`,
        `mcpServers.1files: "1files" ${why}`,
        `mcpServers.${'f'.repeat(33)}: "${'f'.repeat(33)}" ${why}`,
      ],
    );
  });

  it('names the bad value of every field: variable names, header names, tool patterns, agent types, URLs, limits', () => {
    assert.deepEqual(
      problems({
        a: {
          command: 'x',
          env: { 'LOG-LEVEL': 'warn' },
          envFrom: ['GITHUB-TOKEN'],
          tools: { Code: ['read'], docs: ['read file'] },
          requiresApproval: ['write/file'],
          timeoutSeconds: 0,
        },
        b: { url: 'ftp://example.com/mcp', headersFromEnv: { 'Bad Header': 'TOKEN' }, maxResultChars: 10 },
      }),
      [
        'mcpServers.a.env.LOG-LEVEL: "LOG-LEVEL" is not an environment variable name (A-Z, 0-9, _)',
        'mcpServers.a.envFrom.0: "GITHUB-TOKEN" is not an environment variable name (A-Z, 0-9, _)',
        'mcpServers.a.tools.Code: "Code" is not an agent type: use one such as "code", or "*" for every type',
        'mcpServers.a.tools.docs.0: "read file" is not a tool name or pattern: use letters, digits, "_", "-", "." and "*" (any characters)',
        'mcpServers.a.requiresApproval.0: "write/file" is not a tool name or pattern: use letters, digits, "_", "-", "." and "*" (any characters)',
        'mcpServers.a.timeoutSeconds: Too small: expected number to be >0',
        'mcpServers.b.url: must be an http(s) URL such as http://localhost:3000/mcp',
        'mcpServers.b.headersFromEnv.Bad Header: "Bad Header" is not an HTTP header name',
        'mcpServers.b.maxResultChars: Too small: expected number to be >=200',
      ],
    );
  });

  it('names the key a misspelt one most likely meant', () => {
    assert.deepEqual(problems({ files: { command: 'x', tols: { '*': ['read_file'] }, requireApproval: [] } }), [
      'unknown key "mcpServers.files.tols" (did you mean "mcpServers.files.tools"?)',
      'unknown key "mcpServers.files.requireApproval" (did you mean "mcpServers.files.requiresApproval"?)',
    ]);
  });

  it('finds agent types in tools maps that no agent has, with the type most likely meant', () => {
    const servers = McpServersConfig.parse({ files: { command: 'x', tools: { '*': ['a'], cod: ['b'], sql: ['c'] } } });
    assert.deepEqual(mcpAgentTypeProblems(servers, BUILTIN_AGENT_TYPES), [
      'mcpServers.files.tools.cod: no agent type "cod" (did you mean "code"?)',
      `mcpServers.files.tools.sql: no agent type "sql" (use one of ${BUILTIN_AGENT_TYPES.join(', ')}, or "*")`,
    ]);
    assert.deepEqual(mcpAgentTypeProblems(servers, [...BUILTIN_AGENT_TYPES, 'sql']).length, 1);
  });
});

describe('qualified names and tool patterns', () => {
  it('qualifies tool names by server and reads them back, whatever the tool name holds', () => {
    for (const [server, tool] of [
      ['files', 'read_file'],
      ['my_files', 'read__file'],
      ['a-b', '_private'],
      ['x1', 'get-tiny-image'],
    ] as const) {
      const name = qualifiedMcpName(server, tool);
      assert.equal(name, `mcp__${server}__${tool}`);
      assert.deepEqual(parseQualifiedMcpName(name), { server, tool });
    }
  });

  it('reads built-in tool names and malformed names as no MCP tool', () => {
    for (const name of ['read_file', 'mcp__', 'mcp__files', 'mcp__files__', 'mcp____tool', 'mcp__Files__x']) {
      assert.equal(parseQualifiedMcpName(name), undefined, name);
    }
  });

  it('matches "*" against any run of characters, and everything else literally', () => {
    assert.ok(matchesToolPattern('read_file', 'read_file'));
    assert.ok(!matchesToolPattern('read_file', 'read_files'));
    assert.ok(matchesToolPattern('*', 'anything'));
    assert.ok(matchesToolPattern('read_*', 'read_'));
    assert.ok(matchesToolPattern('read_*', 'read_text_file'));
    assert.ok(matchesToolPattern('*_file', 'write_file'));
    assert.ok(matchesToolPattern('*file*', 'read_file_list'));
    assert.ok(matchesToolPattern('a*b*c', 'abbc'));
    assert.ok(!matchesToolPattern('a*b*c', 'acb'));
    assert.ok(!matchesToolPattern('ab*ba', 'aba'));
    assert.ok(!matchesToolPattern('get.*', 'getx'), '"." is literal');
  });

  it("gives an agent type its own entry of the tools map, else the '*' entry, else every tool when there is no map", () => {
    const rules = { tools: { '*': ['read_*'], code: ['read_*', 'write_file'], docs: [] } };
    assert.ok(isMcpToolAllowed(rules, 'write_file', 'code'));
    assert.ok(!isMcpToolAllowed(rules, 'write_file', 'test'));
    assert.ok(isMcpToolAllowed(rules, 'read_file', 'test'));
    assert.ok(!isMcpToolAllowed(rules, 'read_file', 'docs'), "docs' own empty entry wins over '*'");
    assert.ok(isMcpToolAllowed({}, 'anything', 'docs'));
    assert.ok(!isMcpToolAllowed({ tools: { code: ['x'] } }, 'x', 'docs'));
    assert.ok(isMcpToolAllowedForSomeAgent(rules, 'write_file'));
    assert.ok(!isMcpToolAllowedForSomeAgent(rules, 'move_file'));
  });
});

describe('mcpServers in planwright.config.json', () => {
  it('refuses an agent type the tool map names but no agent has, naming the closest', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-mcp-config-'));
    writeFileSync(
      path.join(dir, 'planwright.config.json'),
      JSON.stringify({ mcpServers: { files: { command: 'x', tools: { cod: ['read_*'] } } } }),
    );
    assert.throws(
      () => loadConfigFile({}, dir),
      (err: Error) =>
        err instanceof ConfigError &&
        /mcpServers\.files\.tools\.cod: no agent type "cod" \(did you mean "code"\?\)/.test(err.message),
    );
  });
});
