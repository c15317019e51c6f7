/**
 * Agents' tools executed for real in git checkouts in temporary folders: each tool's work, every way out of the
 * workspace (lexical and through symbolic links) refused with nothing changed, the command allowlist, the sandbox
 * seen from a tool call (environment, network, output, time), and verify commands. Commands need `bwrap` and user
 * namespaces; in CI a failing probe fails the suite, elsewhere those tests skip with its reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DEFAULT_CHECKOUT_OWNER, probeSandbox } from '../../src/activities/sandbox';
import { executeTool, runVerify, type ToolContext, VERIFY_TAIL_CHARS } from '../../src/activities/tools';
import type { ExecutedTool } from '../../src/domain/agent-loop';
import type { SandboxProbe } from '../../src/domain/commands';
import { MAX_LIST_ENTRIES, MAX_READ_LINES } from '../../src/domain/limits';
import { ToolCall } from '../../src/domain/tool-schemas';
import { WorkspacePolicy, type WorkspacePolicyInput } from '../../src/domain/workspace-policy-schema';
import { fixtureGit } from '../helpers/git-fixtures';

const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(path.join(tmpdir(), 'pw-tools-test-'));
/** A file outside every checkout that no tool may read or change. */
const outsideDir = path.join(scratch, 'outside');
const outsideSecret = path.join(outsideDir, 'secret.txt');
let probe: SandboxProbe;

/** Fixture git: the tests' own (test/helpers/git-fixtures.ts), with hooks off and a fixed identity. */
const fx = fixtureGit;

/**
 * A test runner in miniature: 300 lines of progress, then a verdict, all on stdout. Node queues writes to a pipe, so
 * process.exit() may drop the last of them (measured: 2 runs in 30 lost the verdict), and stderr may overtake stdout.
 */
const CHECK_JS = `
for (let i = 1; i <= 300; i++) console.log('checking case ' + i);
if (require('fs').existsSync('fail.flag')) { console.log('FAILED: expected 2, got 3'); process.exitCode = 1; }
else console.log('all 300 cases pass');
`;

/** A committed repository with a little of everything; owned by the sandbox user when the worker is root. */
function makeCheckout(): string {
  const dir = mkdtempSync(path.join(scratch, 'checkout-'));
  const files: Record<string, string | Buffer> = {
    'README.md': '# Demo\n\nA demo repository.\n',
    'src/index.ts': "export const greeting = 'hello';\nexport const target = 'world';\n",
    'src/util.ts': 'export function twice(x: number) {\n  return x * 2;\n}\n// TODO: thrice\n// TODO: more\n',
    'docs/guide.md': 'Read the source.\n',
    'assets/logo.bin': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    'check.js': CHECK_JS,
    'package.json': '{ "name": "demo", "private": true, "scripts": { "test": "node check.js" } }\n',
    '.gitignore': 'dist/\n',
    'dist/bundle.js': 'ignored\n',
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  fx(dir, 'init', '-q', '-b', 'main');
  fx(dir, 'add', '-A');
  fx(dir, 'commit', '-q', '-m', 'initial');
  writeFileSync(path.join(dir, 'notes.txt'), 'untracked TODO: notes\n');
  const { uid, gid } = DEFAULT_CHECKOUT_OWNER;
  if (isRoot) execFileSync('chown', ['-R', '--no-dereference', `${uid}:${gid}`, dir]);
  return dir;
}

const policy = (input: WorkspacePolicyInput = {}) =>
  WorkspacePolicy.parse({
    commands: ['npm test', 'node', 'env', 'sleep', 'rm', 'no-such-tool'],
    allowPaths: ['src/**', 'docs/**', 'README.md'],
    maxOutputChars: 4000,
    commandTimeoutSeconds: 20,
    ...input,
  });

function context(input: WorkspacePolicyInput = {}, dir = makeCheckout()): ToolContext {
  return { dir, gitDir: path.join(dir, '.git'), policy: policy(input), sandbox: 'bwrap' };
}

const exec = (ctx: ToolContext, tool: string, input: Record<string, unknown>) =>
  executeTool(ctx, ToolCall.parse({ id: 'call-1', tool, input }));

/** The output of a call that must succeed. */
function output(executed: ExecutedTool): string {
  assert.ok(executed.result.ok, `expected success, got: ${JSON.stringify(executed.result)}`);
  return executed.result.output;
}

/** The error of a call that must be refused, which changed nothing. */
function refusal(executed: ExecutedTool): string {
  assert.ok(!executed.result.ok, `expected a refusal, got: ${JSON.stringify(executed.result)}`);
  return executed.result.error;
}

/** Skips (saying why) when this machine cannot sandbox; returns true when the test may go on. */
function sandboxAvailable(t: TestContext): boolean {
  if (probe.ok) return true;
  if (process.env.CI) assert.fail(`CI must be able to sandbox commands: ${probe.reason}`);
  t.skip(`this machine cannot sandbox commands: ${probe.reason}`);
  return false;
}

before(async () => {
  // The sandbox user must be able to pass through to the checkouts inside (mkdtemp makes 0700).
  chmodSync(scratch, 0o711);
  mkdirSync(outsideDir);
  writeFileSync(outsideSecret, 'outside secret\n');
  probe = await probeSandbox();
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('reading tools', { timeout: 30_000 }, () => {
  it('lists the files git sees, tracked and untracked, without ignored ones, under a directory', async () => {
    const ctx = context();
    const all = output(await exec(ctx, 'list_files', { path: null })).split('\n');
    assert.deepEqual(all, [
      '.gitignore',
      'README.md',
      'assets/logo.bin',
      'check.js',
      'docs/guide.md',
      'notes.txt',
      'package.json',
      'src/index.ts',
      'src/util.ts',
    ]);
    rmSync(path.join(ctx.dir, 'docs/guide.md'));
    assert.equal(output(await exec(ctx, 'list_files', { path: 'src' })), 'src/index.ts\nsrc/util.ts');
    assert.match(output(await exec(ctx, 'list_files', { path: 'docs' })), /^no files in docs/);
    assert.match(refusal(await exec(ctx, 'list_files', { path: 'lib' })), /lib does not exist/);
  });

  it(`lists at most ${MAX_LIST_ENTRIES} files and says how to see the rest`, async () => {
    const ctx = context({ maxOutputChars: 20_000 });
    mkdirSync(path.join(ctx.dir, 'many'));
    for (let i = 0; i < MAX_LIST_ENTRIES + 20; i++) writeFileSync(path.join(ctx.dir, 'many', `f${1000 + i}`), '');
    const lines = output(await exec(ctx, 'list_files', { path: 'many' })).split('\n');
    assert.equal(lines.length, MAX_LIST_ENTRIES + 1);
    assert.equal(lines[0], 'many/f1000');
    assert.match(lines.at(-1)!, /520 files in many; the first 500 are listed: list a subdirectory/);
  });

  it('reads a text file with numbered lines, a range of it, and says how to read on', async () => {
    const ctx = context();
    assert.equal(
      output(await exec(ctx, 'read_file', { path: 'src/index.ts', startLine: null, endLine: null })),
      "1\texport const greeting = 'hello';\n2\texport const target = 'world';",
    );
    writeFileSync(path.join(ctx.dir, 'long.txt'), Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join('\n'));
    const wide = context({ maxOutputChars: 20_000 }, ctx.dir);
    const first = output(await exec(wide, 'read_file', { path: 'long.txt', startLine: null, endLine: null }));
    const lines = first.split('\n');
    assert.equal(lines.length, MAX_READ_LINES + 1);
    assert.equal(lines[MAX_READ_LINES - 1], `${MAX_READ_LINES}\tline ${MAX_READ_LINES}`);
    assert.match(lines.at(-1)!, /lines 1-400 of 1000 \(at most 400 lines per call\): read on with startLine 401/);
    const range = output(await exec(ctx, 'read_file', { path: 'long.txt', startLine: 998, endLine: 2000 }));
    assert.equal(range, '998\tline 998\n999\tline 999\n1000\tline 1000');
    assert.match(
      refusal(await exec(ctx, 'read_file', { path: 'long.txt', startLine: 1001, endLine: null })),
      /has 1000 lines/,
    );
  });

  it('refuses directories, binary files and missing files, saying what to do instead', async () => {
    const ctx = context();
    const read = (p: string) => exec(ctx, 'read_file', { path: p, startLine: null, endLine: null });
    assert.match(refusal(await read('src')), /src is a directory: use list_files/);
    assert.match(refusal(await read('assets/logo.bin')), /binary file/);
    assert.match(refusal(await read('src/missing.ts')), /does not exist: list_files shows/);
  });

  it('searches tracked and untracked files for text or a regex, and says when nothing matches', async () => {
    const ctx = context();
    const search = (pattern: string, regex = false, p: string | null = null) =>
      exec(ctx, 'search', { pattern, regex, path: p });
    assert.equal(
      output(await search('TODO:')),
      'notes.txt:1:untracked TODO: notes\nsrc/util.ts:4:// TODO: thrice\nsrc/util.ts:5:// TODO: more',
    );
    assert.equal(output(await search('x * 2', false, 'src')), 'src/util.ts:2:  return x * 2;');
    assert.equal(output(await search('^export const (greeting|target)', true)).split('\n').length, 2);
    assert.match(output(await search('nowhere to be found')), /^no matches for "nowhere to be found"$/);
    assert.match(refusal(await search('a(', true)), /not a valid extended regular expression.*set regex to false/);
    assert.match(output(await search('a(')), /no matches/);
  });
});

describe('writing tools', { timeout: 30_000 }, () => {
  it('creates files and directories owned by the checkout owner, which sandboxed commands can change', async (t) => {
    const ctx = context();
    const written = await exec(ctx, 'write_file', { path: 'src/new/deep/mod.ts', content: 'export {};\n' });
    assert.equal(output(written), 'created src/new/deep/mod.ts (1 line)');
    assert.equal(written.changesFiles, true);
    assert.equal(readFileSync(path.join(ctx.dir, 'src/new/deep/mod.ts'), 'utf8'), 'export {};\n');
    if (isRoot) {
      for (const p of ['src/new', 'src/new/deep', 'src/new/deep/mod.ts']) {
        assert.equal(statSync(path.join(ctx.dir, p)).uid, DEFAULT_CHECKOUT_OWNER.uid, p);
      }
    }
    assert.equal(
      output(await exec(ctx, 'write_file', { path: 'README.md', content: 'new\n' })),
      'wrote README.md (1 line)',
    );
    if (!sandboxAvailable(t)) return;
    assert.match(output(await exec(ctx, 'run_command', { command: 'rm -r src/new' })), /^exit code 0/);
    assert.equal(existsSync(path.join(ctx.dir, 'src/new')), false);
  });

  it('replaces text that occurs exactly once, and refuses text that occurs twice or not at all', async () => {
    const ctx = context();
    const edit = (oldText: string, newText: string, p = 'src/util.ts') =>
      exec(ctx, 'edit_file', { path: p, oldText, newText });
    const edited = await edit('return x * 2;', 'return x + x;');
    assert.equal(output(edited), 'edited src/util.ts at line 2: 1 line replaced by 1 line');
    assert.equal(edited.changesFiles, true);
    assert.match(readFileSync(path.join(ctx.dir, 'src/util.ts'), 'utf8'), /return x \+ x;/);
    const before = readFileSync(path.join(ctx.dir, 'src/util.ts'), 'utf8');
    const twice = await edit('// TODO', '// DONE');
    assert.match(refusal(twice), /oldText occurs 2 times in src\/util.ts: include more of the surrounding lines/);
    assert.equal(twice.changesFiles, false);
    assert.match(refusal(await edit('2\treturn x + x;', 'y')), /leave out the line numbers/);
    assert.match(refusal(await edit('absent', 'y')), /does not occur/);
    assert.match(refusal(await edit('a', 'b', 'src/none.ts')), /does not exist: create it with write_file/);
    assert.equal(readFileSync(path.join(ctx.dir, 'src/util.ts'), 'utf8'), before);
  });

  it("refuses writes outside the policy's allowPaths", async () => {
    const ctx = context({ allowPaths: ['src/**'] });
    const refused = await exec(ctx, 'write_file', { path: 'docs/guide.md', content: 'x' });
    assert.match(refusal(refused), /docs\/guide.md is outside the paths this run may write \(src\/\*\*\)/);
    assert.equal(refused.changesFiles, false);
    assert.match(
      refusal(await exec(ctx, 'edit_file', { path: 'package.json', oldText: 'demo', newText: 'x' })),
      /outside the paths/,
    );
    assert.equal(fx(ctx.dir, 'status', '--porcelain'), '?? notes.txt');
  });
});

describe('ways out of the workspace', { timeout: 30_000 }, () => {
  it('refuses "..", absolute paths and .git, for reading and writing', async () => {
    const ctx = context({ allowPaths: ['**'] });
    const gitConfig = readFileSync(path.join(ctx.dir, '.git/config'), 'utf8');
    const read = (p: string) => exec(ctx, 'read_file', { path: p, startLine: null, endLine: null });
    const write = (p: string) => exec(ctx, 'write_file', { path: p, content: 'pwned\n' });
    const relativeOut = path.relative(ctx.dir, outsideSecret);
    assert.match(refusal(await read(relativeOut)), /".." is not allowed/);
    assert.match(refusal(await read('/etc/passwd')), /absolute paths are not allowed/);
    assert.match(refusal(await read('.git/config')), /\.git is off limits/);
    assert.match(refusal(await read('src/../.git/config')), /".." is not allowed/);
    assert.match(refusal(await write('.git/config')), /\.git is off limits/);
    assert.match(refusal(await write('.git/hooks/pre-commit')), /\.git is off limits/);
    assert.match(refusal(await write(relativeOut)), /".." is not allowed/);
    assert.match(refusal(await exec(ctx, 'list_files', { path: '.git' })), /\.git is off limits/);
    assert.match(refusal(await exec(ctx, 'search', { pattern: 'core', regex: false, path: '.git' })), /off limits/);
    assert.equal(readFileSync(path.join(ctx.dir, '.git/config'), 'utf8'), gitConfig);
    assert.equal(readFileSync(outsideSecret, 'utf8'), 'outside secret\n');
    assert.equal(fx(ctx.dir, 'status', '--porcelain'), '?? notes.txt');
  });

  it('refuses symbolic links that lead outside or into .git, for reading and writing', async () => {
    const ctx = context({ allowPaths: ['src/**'] });
    const link = (target: string, at: string) => symlinkSync(target, path.join(ctx.dir, at));
    link('/etc/passwd', 'src/passwd');
    link('..', 'up');
    link('../.git/config', 'src/gitconfig');
    link('../.git', 'src/dotgit');
    link(outsideDir, 'src/out');
    link('index.ts', 'src/alias.ts');
    link('../docs', 'src/docs-link');
    link('/nonexistent-dir', 'src/nowhere');
    link('src', 'lib');
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const gitConfig = readFileSync(path.join(ctx.dir, '.git/config'), 'utf8');
    const status = fx(ctx.dir, 'status', '--porcelain');
    const read = (p: string) => exec(ctx, 'read_file', { path: p, startLine: null, endLine: null });
    const write = (p: string) => exec(ctx, 'write_file', { path: p, content: 'pwned\n' });
    const edit = (p: string) => exec(ctx, 'edit_file', { path: p, oldText: 'root', newText: 'pwned' });

    assert.match(refusal(await read('src/passwd')), /src\/passwd leads through a symbolic link outside the workspace/);
    assert.match(refusal(await read('up/outside/secret.txt')), /outside the workspace/);
    assert.match(refusal(await exec(ctx, 'list_files', { path: 'up' })), /outside the workspace/);
    assert.match(refusal(await exec(ctx, 'search', { pattern: 'secret', regex: false, path: 'up' })), /outside/);
    assert.match(refusal(await read('src/out/secret.txt')), /outside the workspace/);
    assert.match(refusal(await read('src/gitconfig')), /into \.git/);
    assert.match(refusal(await exec(ctx, 'list_files', { path: 'src/dotgit' })), /into \.git/);

    assert.match(refusal(await write('src/passwd')), /is a symbolic link: writing through it is not allowed/);
    assert.match(refusal(await edit('src/passwd')), /is a symbolic link/);
    assert.match(refusal(await write('src/alias.ts')), /is a symbolic link/);
    assert.match(refusal(await write('src/gitconfig')), /is a symbolic link/);
    assert.match(refusal(await write('src/dotgit/hooks/pre-commit')), /into \.git/);
    assert.match(refusal(await write('src/out/pwned.txt')), /outside the workspace/);
    assert.match(refusal(await write('src/out/deeper/pwned.txt')), /outside the workspace/);
    assert.match(refusal(await write('src/docs-link/pwned.md')), /to docs\/pwned.md, and .*outside the paths/);
    assert.match(refusal(await write('src/nowhere/pwned.txt')), /symbolic link to nothing/);

    // Searching does not follow links either: /etc/passwd's text is not found through src/passwd.
    assert.match(output(await exec(ctx, 'search', { pattern: 'root:', regex: false, path: null })), /no matches/);
    // A link that stays inside the workspace is fine to read through.
    assert.match(output(await read('lib/index.ts')), /greeting/);

    assert.equal(readFileSync('/etc/passwd', 'utf8'), passwd);
    assert.equal(readFileSync(path.join(ctx.dir, '.git/config'), 'utf8'), gitConfig);
    assert.deepEqual(
      [existsSync(path.join(outsideDir, 'pwned.txt')), existsSync(path.join(outsideDir, 'deeper'))],
      [false, false],
    );
    assert.equal(existsSync(path.join(ctx.dir, '.git/hooks/pre-commit')), false);
    assert.equal(existsSync(path.join(ctx.dir, 'docs/pwned.md')), false);
    assert.equal(
      readFileSync(path.join(ctx.dir, 'src/index.ts'), 'utf8'),
      readFileSync(path.join(ctx.dir, 'lib/index.ts'), 'utf8'),
    );
    assert.equal(fx(ctx.dir, 'status', '--porcelain'), status);
  });

  it('refuses a tool the policy does not enable', async () => {
    const ctx = context({ tools: ['read_file'] });
    const refused = await exec(ctx, 'write_file', { path: 'src/x.ts', content: 'x' });
    assert.match(refusal(refused), /no tool "write_file" in this run; use one of read_file, finish/);
    assert.equal(existsSync(path.join(ctx.dir, 'src/x.ts')), false);
    const finished = await exec(ctx, 'finish', { summary: 'nothing to do' });
    assert.deepEqual(finished, {
      result: { ok: true, output: 'finished', truncated: false, exitCode: null },
      changesFiles: false,
    });
  });
});

describe('commands', { timeout: 30_000 }, () => {
  it('runs an allowed command in the checkout and reports its exit code', async (t) => {
    if (!sandboxAvailable(t)) return;
    const ctx = context();
    const ran = await exec(ctx, 'run_command', { command: "node -e 'console.log(1 + 1); process.exitCode = 3'" });
    assert.deepEqual(ran, {
      result: { ok: true, output: 'exit code 3\n2\n', truncated: false, exitCode: 3 },
      changesFiles: true,
    });
  });

  it('refuses commands off the allowlist and command lines that join commands, running nothing', async () => {
    const ctx = context();
    const run = (command: string) => exec(ctx, 'run_command', { command });
    const curl = await run('curl https://example.com');
    assert.match(
      refusal(curl),
      /"curl https:\/\/example.com" is not an allowed command \(allowed, with any arguments: npm test/,
    );
    assert.equal(curl.changesFiles, false);
    assert.match(refusal(await run('npm test; curl x')), /";" is not allowed unquoted: it joins commands/);
    assert.match(refusal(await run('npm test && rm -rf /')), /"&" is not allowed unquoted/);
    assert.match(refusal(await run('npm run build')), /is not an allowed command/);
  });

  it("keeps the worker's environment from commands, sandboxed or not", async (t) => {
    if (!sandboxAvailable(t)) return;
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    process.env.PW_TOOLS_CANARY = canary;
    try {
      for (const sandbox of ['bwrap', 'none'] as const) {
        const env = output(await exec({ ...context(), sandbox }, 'run_command', { command: 'env' }));
        assert.match(env, /^exit code 0\n/);
        assert.match(env, /^PATH=/m);
        assert.doesNotMatch(env, new RegExp(canary), sandbox);
        assert.doesNotMatch(env, /PW_TOOLS_CANARY/, sandbox);
      }
    } finally {
      delete process.env.PW_TOOLS_CANARY;
    }
  });

  it('gives commands no network: neither the host nor the internet', async (t) => {
    if (!sandboxAvailable(t)) return;
    let hostConnections = 0;
    const server: Server = createServer((socket) => {
      hostConnections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const script =
        `const net = require('net'); for (const [h, p] of [['127.0.0.1', ${port}], ['1.1.1.1', 443]]) ` +
        `net.connect(p, h).on('connect', () => console.log('REACHED ' + h)).on('error', (e) => console.log('no ' + h))`;
      const out = output(await exec(context(), 'run_command', { command: `node -e "${script}"` }));
      assert.match(out, /no 127\.0\.0\.1/);
      assert.match(out, /no 1\.1\.1\.1/);
      assert.doesNotMatch(out, /REACHED/);
      assert.equal(hostConnections, 0);
    } finally {
      server.close();
    }
  });

  it('cuts megabytes of output to the run limit, keeping head and tail and saying what was cut', async (t) => {
    if (!sandboxAvailable(t)) return;
    const ctx = context({ maxOutputChars: 4000 });
    const script = "process.stdout.write('THE START ' + 'x'.repeat(3000000) + ' THE END')";
    const ran = await exec(ctx, 'run_command', { command: `node -e "${script}"` });
    assert.ok(ran.result.ok && ran.result.truncated);
    const out = output(ran);
    assert.ok(out.length <= 4000, `${out.length} characters`);
    assert.match(out, /^exit code 0\nTHE START x/);
    assert.match(out, /\n… \d{7} bytes cut …\n/);
    assert.match(out, /x THE END$/);
  });

  it('stops a command at the time limit and says so', async (t) => {
    if (!sandboxAvailable(t)) return;
    const started = Date.now();
    const ran = await exec(context({ commandTimeoutSeconds: 1 }), 'run_command', { command: 'sleep 20' });
    assert.match(refusal(ran), /^stopped after 1 s, the time limit for one command/);
    assert.equal(ran.changesFiles, true);
    assert.ok(Date.now() - started < 5000);
  });
});

describe('verify commands', { timeout: 30_000 }, () => {
  it('passes on exit 0 and fails otherwise, with the end of the output', async (t) => {
    if (!sandboxAvailable(t)) return;
    const ctx = context();
    const passed = await runVerify(ctx, 'npm test');
    assert.equal(passed.passed, true, passed.outputTail);
    assert.deepEqual([passed.command, passed.exitCode, passed.timedOut], ['npm test', 0, false]);
    assert.match(passed.outputTail, /all 300 cases pass\n\[exit code 0\]$/);
    writeFileSync(path.join(ctx.dir, 'fail.flag'), '');
    const failed = await runVerify(ctx, 'node check.js');
    assert.deepEqual([failed.passed, failed.exitCode, failed.timedOut], [false, 1, false]);
    assert.ok(failed.outputTail.length <= VERIFY_TAIL_CHARS);
    assert.match(failed.outputTail, /^…/);
    assert.match(failed.outputTail, /checking case 300\nFAILED: expected 2, got 3\n\[exit code 1\]$/);
    assert.doesNotMatch(failed.outputTail, /checking case 1\n/);
    assert.ok(failed.durationMs > 0);
  });

  it('fails, saying why, for a command that is not allowed, not installed, or too slow', async (t) => {
    const ctx = context({ commandTimeoutSeconds: 1 });
    const refused = await runVerify(ctx, 'curl x');
    assert.deepEqual(refused, {
      command: 'curl x',
      passed: false,
      exitCode: null,
      timedOut: false,
      outputTail: `not run: "curl x" is not an allowed command (allowed, with any arguments: npm test, node, env, sleep, rm, no-such-tool)`,
      durationMs: 0,
    });
    if (!sandboxAvailable(t)) return;
    const missing = await runVerify(ctx, 'no-such-tool --check');
    assert.deepEqual([missing.passed, missing.exitCode], [false, 127]);
    assert.match(missing.outputTail, /no-such-tool: not found/);
    const slow = await runVerify(ctx, 'sleep 20');
    assert.deepEqual([slow.passed, slow.timedOut], [false, true]);
    assert.match(slow.outputTail, /stopped after 1 s/);
  });
});
