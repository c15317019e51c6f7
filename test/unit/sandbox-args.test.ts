/** The pure parts of running commands: bwrap's flags, the limits wrapper, output capture, errors, option schemas. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bwrapArgs, commandEnv, limitedCommand, resolveLimits } from '../../src/activities/sandbox/bwrap-args';
import { setupFailureOf } from '../../src/activities/sandbox/errors';
import { OutputBuffer } from '../../src/activities/sandbox/output-buffer';
import { limitsInForce } from '../../src/activities/sandbox/probe';
import { RunCommandOptions } from '../../src/domain/commands';

const plan = {
  checkout: '/srv/checkouts/t1',
  gitEntry: '/srv/checkouts/t1/.git',
  rootLayout: [{ path: '/bin', symlinkTo: 'usr/bin' }, { path: '/lib64' }],
  env: commandEnv({ CI: 'true' }),
  tmpfsBytes: 1024 ** 2,
  firstEtcFd: 3,
};
const args = bwrapArgs(plan);
/** Index of `flag` followed by `values`, or -1. */
const find = (flag: string, ...values: string[]) =>
  args.findIndex((a, i) => a === flag && values.every((v, j) => args[i + 1 + j] === v));

describe('bwrap arguments', () => {
  it('isolate every namespace, forbid nested user namespaces, drop capabilities and die with the worker', () => {
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.ok(find('--cap-drop', 'ALL') >= 0);
    assert.ok(find('--uid', '1000') >= 0 && find('--gid', '1000') >= 0);
    assert.ok(!args.includes('--share-net'));
    assert.equal(args.at(-1), '--');
  });

  it('keep the network only for setup commands, with the host resolver instead of the files-only one', () => {
    const networked = bwrapArgs({ ...plan, network: true });
    assert.ok(networked.includes('--share-net'));
    const at = (flag: string, src: string) => networked.findIndex((a, i) => a === flag && networked[i + 1] === src);
    assert.ok(at('--ro-bind-try', '/etc/resolv.conf') >= 0 && at('--ro-bind-try', '/etc/nsswitch.conf') >= 0);
    // The sandbox's own nsswitch.conf (files only) is not mounted under the host's.
    const dataTargets = networked.flatMap((a, i) => (a === '--ro-bind-data' ? [networked[i + 2]] : []));
    assert.ok(!dataTargets.includes('/etc/nsswitch.conf') && dataTargets.includes('/etc/passwd'));
    assert.ok(!args.some((a) => a === '/etc/resolv.conf'), 'no resolver without the network');
  });

  it('bind the checkout read-write at /work and its .git read-only over it, in that order', () => {
    const checkout = find('--bind', plan.checkout, '/work');
    const git = find('--ro-bind', plan.gitEntry, '/work/.git');
    assert.ok(checkout >= 0 && git > checkout);
  });

  it('freeze the root and /dev only after every mount point exists', () => {
    const lastMount = Math.max(find('--ro-bind', plan.gitEntry, '/work/.git'), find('--tmpfs', '/home/sandbox'));
    assert.ok(find('--remount-ro', '/') > lastMount && find('--remount-ro', '/dev') > lastMount);
  });

  it('show the system read-only and never the whole of /etc or any home', () => {
    assert.ok(find('--ro-bind', '/usr', '/usr') >= 0);
    assert.ok(find('--symlink', 'usr/bin', '/bin') >= 0 && find('--ro-bind', '/lib64', '/lib64') >= 0);
    assert.ok(find('--ro-bind-try', '/etc/alternatives', '/etc/alternatives') >= 0);
    const sources = args.filter((_, i) => /^--(ro-)?bind(-try)?$/.test(args[i - 1] ?? ''));
    assert.ok(!sources.includes('/etc') && !sources.includes('/etc/ssl') && !sources.includes('/etc/shadow'));
    assert.ok(!sources.some((s) => s.startsWith('/root') || s.startsWith('/home')));
    assert.ok(find('--ro-bind-data', '3', '/etc/passwd') >= 0);
  });

  it('give every memory-backed directory a size', () => {
    for (const dir of ['/tmp', '/dev/shm', '/home/sandbox']) {
      const at = find('--tmpfs', dir);
      assert.ok(at >= 0, dir);
      assert.ok(
        args
          .slice(at - 4, at)
          .join(' ')
          .includes(`--size ${1024 ** 2}`),
        dir,
      );
    }
  });

  it('clear the environment and set PATH, LANG, the allowlist, then HOME last', () => {
    const clear = args.indexOf('--clearenv');
    const set = args.flatMap((a, i) => (a === '--setenv' ? [[args[i + 1], args[i + 2], i] as const] : []));
    assert.deepEqual(
      set.map(([name]) => name),
      ['PATH', 'LANG', 'CI', 'HOME'],
    );
    assert.ok(set.every(([, , i]) => i > clear));
    assert.deepEqual(set.at(-1)?.slice(0, 2), ['HOME', '/home/sandbox']);
  });
});

describe('the limits wrapper', () => {
  it('lowers the priority, passes byte counts (prlimit crashes on suffixes), limits CPU time, turns core dumps off and merges stderr into stdout', () => {
    const argv = limitedCommand(resolveLimits({ processes: 64 }), { shell: 'npm test' });
    assert.deepEqual(argv.slice(0, 10), [
      '/usr/bin/nice',
      '-n',
      '15',
      '/usr/bin/prlimit',
      '--cpu=600',
      '--data=2147483648',
      '--nproc=64',
      '--fsize=1073741824',
      '--core=0',
      '--',
    ]);
    assert.deepEqual(argv.slice(10), ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', '/bin/sh', '-c', 'npm test']);
    const lenient = limitedCommand(resolveLimits({ cpuSeconds: 30, niceness: 5 }), { shell: 'true' });
    assert.deepEqual([lenient[2], lenient[4]], ['5', '--cpu=30']);
  });

  it('passes an argument vector through untouched, without a second shell', () => {
    const argv = limitedCommand(resolveLimits(), { argv: ['git', 'log', '--format=%s', "it's"] });
    assert.deepEqual(argv.slice(-4), ['git', 'log', '--format=%s', "it's"]);
    assert.equal(argv.filter((a) => a === '/bin/sh').length, 1);
  });
});

describe('output capture', () => {
  it('keeps short output whole', () => {
    const out = new OutputBuffer(1024);
    out.write(Buffer.from('hello '));
    out.write(Buffer.from('world'));
    assert.equal(out.text(), 'hello world');
    assert.equal(out.totalBytes, 11);
  });

  it('keeps the head and the tail of long output and says how many bytes were cut', () => {
    const out = new OutputBuffer(1000);
    for (let i = 0; i < 1000; i++) out.write(Buffer.from(`line ${String(i).padStart(4, '0')}\n`));
    const text = out.text();
    assert.ok(text.startsWith('line 0000\n'));
    assert.ok(text.endsWith('line 0999\n'));
    const cut = Number(/… (\d+) bytes cut …/.exec(text)?.[1]);
    assert.equal(cut, 10_000 - 1000);
    assert.equal(Buffer.byteLength(text.replace(/\n… \d+ bytes cut …\n/, '')), 1000);
  });

  it('never splits a UTF-8 character at either edge of the cut', () => {
    // 3-byte characters and a cap whose head (256) and tail (769) both end up mid-character.
    const out = new OutputBuffer(1025);
    out.write(Buffer.from('€'.repeat(5000)));
    const text = out.text();
    assert.ok(!text.includes('\uFFFD'));
    const cut = Number(/… (\d+) bytes cut …/.exec(text)?.[1]);
    assert.equal(Buffer.byteLength(text.replace(/\n… \d+ bytes cut …\n/, '')) + cut, 15_000);
  });
});

describe('setup failures', () => {
  it('are told apart from the command by who printed them', () => {
    assert.equal(setupFailureOf('npm ERR! missing script: test\n'), undefined);
    assert.equal(setupFailureOf('bwrap: No permissions to create new namespace\n')?.failure, 'userns-unavailable');
    assert.equal(setupFailureOf('bwrap: setting up uid map: Permission denied\n')?.failure, 'userns-unavailable');
    assert.equal(setupFailureOf('bwrap: execvp /usr/bin/prlimit: No such file or directory')?.failure, 'tools-missing');
    assert.equal(setupFailureOf("bwrap: Can't mount proc on /newroot/proc: EPERM")?.failure, 'setup-failed');
    assert.equal(setupFailureOf('prlimit: failed to set the NPROC resource limit')?.failure, 'setup-failed');
  });
});

describe('command options', () => {
  const base = { checkout: '/srv/c', command: { shell: 'npm test' }, timeoutMs: 60_000, sandbox: 'bwrap' };

  it('accept a shell line or an argument vector, not both', () => {
    assert.ok(RunCommandOptions.safeParse(base).success);
    assert.ok(RunCommandOptions.safeParse({ ...base, command: { argv: ['npm', 'test'] } }).success);
    assert.ok(!RunCommandOptions.safeParse({ ...base, command: { shell: 'a', argv: ['b'] } }).success);
  });

  it('refuse a relative checkout, a HOME of the caller, an odd variable name and an unknown sandbox', () => {
    assert.ok(!RunCommandOptions.safeParse({ ...base, checkout: 'c' }).success);
    assert.ok(!RunCommandOptions.safeParse({ ...base, env: { HOME: '/root' } }).success);
    assert.ok(!RunCommandOptions.safeParse({ ...base, env: { 'A=B': 'x' } }).success);
    assert.ok(!RunCommandOptions.safeParse({ ...base, sandbox: 'docker' }).success);
  });
});

describe('the probe', () => {
  it('reads the limits in force from /proc/self/limits', () => {
    const procLimits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max file size             1073741824           1073741824           bytes',
      'Max data size             2147483648           2147483648           bytes',
      'Max core file size        0                    0                    bytes',
      'Max processes             512                  512                  processes',
      'Max cpu time              600                  600                  seconds',
      'niceness 15',
    ].join('\n');
    assert.deepEqual(limitsInForce(procLimits, true), {
      memory: true,
      processes: true,
      fileSize: true,
      coreDumps: true,
      cpuTime: true,
      priority: true,
    });
    assert.equal(limitsInForce(procLimits.replace('niceness 15', 'niceness 0'), true).priority, false);
    assert.equal(
      limitsInForce(procLimits.replace('600                  600', 'unlimited  unlimited'), true).cpuTime,
      false,
    );
    assert.equal(limitsInForce(procLimits, false).processes, false);
    assert.equal(limitsInForce(procLimits.replace('2147483648 ', 'unlimited  '), true).memory, false);
  });
});
