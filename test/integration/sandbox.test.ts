/**
 * Commands in the bubblewrap sandbox, for real: secrets, files, network, time, output, processes and memory. Needs
 * `bwrap` and user namespaces; in CI (CI set) a failing probe fails the suite, elsewhere the tests skip with its reason.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CHECKOUT_OWNER, probeSandbox, runCommand, SandboxError } from '../../src/activities/sandbox';
import type { RunCommandOptions, SandboxProbe } from '../../src/domain/commands';

const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(path.join(tmpdir(), 'pw-sandbox-test-'));
let probe: SandboxProbe;

/** A fresh checkout with a .git; a root worker only runs commands in checkouts an unprivileged user owns. */
function makeCheckout(owner = DEFAULT_CHECKOUT_OWNER): string {
  const dir = mkdtempSync(path.join(scratch, 'checkout-'));
  mkdirSync(path.join(dir, '.git', 'hooks'), { recursive: true });
  writeFileSync(path.join(dir, '.git', 'config'), '[core]\n\tbare = false\n');
  if (isRoot)
    for (const p of [dir, '.git', '.git/hooks', '.git/config']) chownSync(path.resolve(dir, p), owner.uid, owner.gid);
  return dir;
}

const run = (shell: string, extra: Partial<RunCommandOptions> = {}) =>
  runCommand({ checkout: makeCheckout(), command: { shell }, timeoutMs: 10_000, sandbox: 'bwrap', ...extra });

/** Skips (saying why) when this machine cannot sandbox; returns true when the test may go on. */
function sandboxAvailable(t: TestContext): boolean {
  if (probe.ok) return true;
  t.skip(`this machine cannot sandbox commands: ${probe.reason}`);
  return false;
}

describe('commands in the bubblewrap sandbox', { timeout: 120_000 }, () => {
  before(async () => {
    // The sandbox user must be able to pass through to the checkouts inside (mkdtemp makes 0700).
    chmodSync(scratch, 0o711);
    probe = await probeSandbox();
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('the start-up probe finds the sandbox working with every limit in force', (t) => {
    if (!probe.ok && !process.env.CI) return t.skip(`not in CI, and this machine cannot sandbox: ${probe.reason}`);
    assert.deepEqual(probe, {
      ok: true,
      limits: { memory: true, processes: true, fileSize: true, coreDumps: true, cpuTime: true, priority: true },
    });
  });

  it("hides the worker's environment, its /proc entry and its home, and passes only the allowlist", async (t) => {
    if (!sandboxAvailable(t)) return;
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    process.env.PLANWRIGHT_CANARY = canary;
    const homeCanary = path.join(homedir(), `.planwright-canary-${randomBytes(4).toString('hex')}`);
    writeFileSync(homeCanary, canary);
    try {
      const result = await run(
        `env; cat /proc/${process.pid}/environ; cat ${homeCanary} ~/.git-credentials ~/.npmrc ~/.ssh/id_rsa ` +
          `${path.join(homedir(), '.npmrc')}; ls /proc | grep -c '^[0-9]'`,
        { env: { CI: 'true' } },
      );
      assert.doesNotMatch(result.output, new RegExp(canary));
      assert.match(result.output, /^CI=true$/m);
      assert.match(result.output, /^HOME=\/home\/sandbox$/m);
      assert.deepEqual(
        result.output.match(/^[A-Z_]+(?==)/gm)?.sort(),
        ['CI', 'HOME', 'LANG', 'PATH', 'PWD'],
        'only the allowlist, HOME, LANG and PATH (and the PWD the shell sets)',
      );
      assert.match(result.output, new RegExp(`/proc/${process.pid}/environ: No such file or directory`));
      assert.match(result.output, new RegExp(`${homeCanary}: No such file or directory`));
      assert.match(result.output, /\.git-credentials: No such file or directory/);
      assert.ok(Number(result.output.trim().split('\n').at(-1)) < 10, 'only the sandbox processes are visible');
    } finally {
      delete process.env.PLANWRIGHT_CANARY;
      rmSync(homeCanary, { force: true });
    }
  });

  it('writes to the checkout, which the worker sees, but not to its .git, the system or the root', async (t) => {
    if (!sandboxAvailable(t)) return;
    const checkout = makeCheckout();
    const result = await runCommand({
      checkout,
      command: {
        shell:
          'echo made-inside > result.txt && echo written; echo x > .git/hooks/pre-commit; ' +
          'printf "[core]\\n\\tfsmonitor = touch /work/pwned\\n" >> .git/config; touch /usr/x /etc/x /x; echo done',
      },
      timeoutMs: 10_000,
      sandbox: 'bwrap',
    });
    assert.equal(result.exitCode, 0);
    assert.match(result.output, /^written$/m);
    assert.equal(readFileSync(path.join(checkout, 'result.txt'), 'utf8'), 'made-inside\n');
    assert.equal(existsSync(path.join(checkout, '.git', 'hooks', 'pre-commit')), false);
    assert.doesNotMatch(readFileSync(path.join(checkout, '.git', 'config'), 'utf8'), /fsmonitor/);
    assert.equal(result.output.match(/Read-only file system/g)?.length, 5, result.output);
  });

  it('has a loopback of its own and cannot reach a server on the host', async (t) => {
    if (!sandboxAvailable(t)) return;
    let hostConnections = 0;
    const server: Server = createServer((socket) => {
      hostConnections++;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const script =
        `const net = require('net');` +
        `net.connect(${port}, '127.0.0.1').on('connect', () => console.log('HOST REACHED'))` +
        `.on('error', (e) => console.log('host: ' + e.code));` +
        `const s = net.createServer((c) => c.end('pong')).listen(0, '127.0.0.1', () => ` +
        `net.connect(s.address().port, '127.0.0.1').on('data', (d) => { console.log('loopback: ' + d); s.close(); }));`;
      const result = await run(`cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' '; node -e "${script}"`);
      assert.equal(result.exitCode, 0, result.output);
      assert.match(result.output, /^lo$/m);
      assert.equal(result.output.match(/^\w+$/gm)?.length, 1, `one interface, the loopback: ${result.output}`);
      assert.match(result.output, /host: ECONNREFUSED/);
      assert.match(result.output, /loopback: pong/);
      assert.equal(hostConnections, 0);
    } finally {
      server.close();
    }
  });

  it('kills the command and everything it started at the time limit', async (t) => {
    if (!sandboxAvailable(t)) return;
    const checkout = makeCheckout();
    const result = await runCommand({
      checkout,
      command: {
        shell:
          '(sleep 2; echo late > late-child.txt) & setsid sh -c "sleep 2; echo late > late-session.txt" & ' +
          'echo started; sleep 30',
      },
      timeoutMs: 1000,
      sandbox: 'bwrap',
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.match(result.output, /started/);
    assert.ok(result.durationMs < 5000, `stopped in ${result.durationMs} ms`);
    await sleep(2500);
    assert.equal(existsSync(path.join(checkout, 'late-child.txt')), false);
    assert.equal(existsSync(path.join(checkout, 'late-session.txt')), false);
  });

  it('returns 5 MB of output cut to its head and tail, with a note of what was cut', async (t) => {
    if (!sandboxAvailable(t)) return;
    const result = await run('yes 0123456789abcdef | head -c 5000000; echo; echo THE END');
    assert.equal(result.exitCode, 0);
    assert.equal(result.outputBytes, 5_000_000 + '\nTHE END\n'.length);
    assert.ok(Buffer.byteLength(result.output) < 64 * 1024 + 100);
    assert.match(result.output, /^0123456789abcdef\n/);
    assert.match(result.output, /\n… \d+ bytes cut …\n/);
    assert.match(result.output, /THE END\n$/);
  });

  it('contains a fork bomb within the process limit', async (t) => {
    if (!sandboxAvailable(t)) return;
    if (!probe.ok || !probe.limits.processes) {
      return t.skip('RLIMIT_NPROC does not bind inside the sandbox here, so a fork bomb would not be contained');
    }
    // The shell stays after lighting the bomb (when it exits, the pid namespace and the bomb end with it), waiting in
    // a loop of builtins because every process slot is taken (not `:`, which the bomb redefines).
    const result = await run(
      `bash -c ':(){ :|:& };:; SECONDS=0; while [ $SECONDS -lt 2 ]; do true; done; echo still-here'`,
      {
        limits: { processes: 64 },
        timeoutMs: 8000,
      },
    );
    assert.match(result.output, /Resource temporarily unavailable|Cannot fork/);
    assert.match(result.output, /still-here/);
    assert.equal(result.timedOut, false);
  });

  it('stops a process that allocates more memory than its limit', async (t) => {
    if (!sandboxAvailable(t)) return;
    const result = await run(`python3 -c 'x = bytearray(2**31); print("allocated")'`, {
      limits: { memoryBytes: 1024 ** 3 },
    });
    if (/python3: not found/.test(result.output)) return t.skip('python3 is not installed under /usr on this machine');
    assert.notEqual(result.exitCode, 0);
    assert.match(result.output, /MemoryError/);
    assert.doesNotMatch(result.output, /allocated/);
  });

  it('runs an argument vector without a shell, and reports a failing exit as a result', async (t) => {
    if (!sandboxAvailable(t)) return;
    const argv = await runCommand({
      checkout: makeCheckout(),
      command: { argv: ['printf', '%s|', 'a b', "it's", '$HOME'] },
      timeoutMs: 10_000,
      sandbox: 'bwrap',
    });
    assert.equal(argv.output, "a b|it's|$HOME|");
    const failing = await run('echo to-stderr >&2; exit 3');
    assert.deepEqual([failing.exitCode, failing.output, failing.sandboxed], [3, 'to-stderr\n', true]);
  });

  it('stops the command when the caller aborts, and rejects with the reason', async (t) => {
    if (!sandboxAvailable(t)) return;
    const checkout = makeCheckout();
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('activity cancelled')), 300);
    const started = Date.now();
    await assert.rejects(
      runCommand(
        { checkout, command: { shell: '(sleep 2; touch late.txt) & sleep 30' }, timeoutMs: 20_000, sandbox: 'bwrap' },
        { signal: abort.signal },
      ),
      /activity cancelled/,
    );
    assert.ok(Date.now() - started < 5000);
    await sleep(2200);
    assert.equal(existsSync(path.join(checkout, 'late.txt')), false);
  });

  it('refuses a checkout owned by root when the worker is root', async (t) => {
    if (!isRoot) return t.skip('the worker is not root here, so it runs commands as itself');
    const checkout = makeCheckout({ uid: 0, gid: 0 });
    await assert.rejects(run('true', { checkout }), (err: unknown) => {
      assert.ok(err instanceof SandboxError);
      assert.equal(err.failure, 'bad-checkout');
      assert.match(err.message, /owned by root.*chown -R 65534:65534/);
      return true;
    });
  });

  it("runs unsandboxed only when asked, says so, and still keeps the worker's environment out", async () => {
    process.env.PLANWRIGHT_CANARY = 'unsandboxed-canary';
    try {
      const result = await run('env; pwd', { sandbox: 'none' });
      assert.equal(result.sandboxed, false);
      assert.equal(result.exitCode, 0);
      assert.doesNotMatch(result.output, /unsandboxed-canary/);
      assert.match(result.output, new RegExp(`^${scratch}/checkout-`, 'm'));
    } finally {
      delete process.env.PLANWRIGHT_CANARY;
    }
  });
});
