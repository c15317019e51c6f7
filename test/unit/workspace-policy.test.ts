import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  checkPath,
  intersectPolicies,
  isCommandAllowed,
  narrowPolicy,
  parseCommandLine,
} from '../../src/domain/workspace-policy';
import {
  defaultWorkspacePolicy,
  WorkspacePolicy,
  WorkspacePolicyOverrides,
  type WorkspacePolicyInput,
} from '../../src/domain/workspace-policy-schema';

const policy = (input: WorkspacePolicyInput = {}) => WorkspacePolicy.parse(input);
const reasonOf = (check: { ok: true } | { ok: false; reason: string }) => (check.ok ? 'accepted' : check.reason);

describe('workspace paths', () => {
  const run = policy({ allowPaths: ['src/**', 'docs/*.md'] });

  it('normalizes what it accepts', () => {
    assert.deepEqual(checkPath(run, './src//lib/a.ts', 'read'), { ok: true, normalized: 'src/lib/a.ts' });
    assert.deepEqual(checkPath(run, '.', 'read'), { ok: true, normalized: '.' });
    assert.deepEqual(checkPath(run, 'src/a.ts', 'write'), { ok: true, normalized: 'src/a.ts' });
  });

  it('refuses every way out of the workspace, for reads as for writes', () => {
    const escapes: Array<[string, RegExp]> = [
      ['../x', /"\.\." is not allowed/],
      ['a/../../x', /"\.\." is not allowed/],
      ['src/../README.md', /"\.\." is not allowed/],
      ['/etc/passwd', /absolute/],
      ['C:/Windows/x', /absolute/],
      ['~/.ssh/id_rsa', /"~" is not expanded/],
      ['src\\..\\..\\x', /backslashes/],
      ['src/\u0000x', /NUL/],
      ['src/a\nb', /control character/],
      ['', /empty/],
      ['a/'.repeat(600), /longer than/],
    ];
    for (const access of ['read', 'write'] as const) {
      for (const [path, reason] of escapes) assert.match(reasonOf(checkPath(run, path, access)), reason, path);
    }
  });

  it('keeps tools out of .git however a file system may spell it', () => {
    const spellings = ['.git', '.git/config', '.git/hooks/pre-commit', 'sub/.git/HEAD', '.GIT/config', '.Git'];
    const tricks = ['.git./config', '.git /config', 'GIT~1/config', '.git::$INDEX_ALLOCATION/config', '.g\u200cit/x'];
    for (const path of [...spellings, ...tricks]) {
      for (const access of ['read', 'write'] as const) assert.equal(checkPath(run, path, access).ok, false, path);
    }
    assert.ok(checkPath(policy(), '.gitignore', 'write').ok, '.gitignore and .github are ordinary files');
    assert.ok(checkPath(policy(), '.github/workflows/ci.yml', 'write').ok);
  });

  it('lets writes through only where the allowed globs match', () => {
    assert.match(reasonOf(checkPath(run, 'test/a.ts', 'write')), /outside the paths this run may write \(src\/\*\*/);
    assert.equal(checkPath(run, 'docs/guide.md', 'write').ok, true);
    assert.equal(checkPath(run, 'docs/api/x.md', 'write').ok, false);
    assert.equal(checkPath(run, 'test/a.ts', 'read').ok, true, 'reads are not limited by allowPaths');
    assert.match(reasonOf(checkPath(run, '.', 'write')), /not a file/);
  });
});

describe('command lines', () => {
  const run = policy({ commands: ['npm test', 'npx tsc --noEmit', 'git diff'] });

  it('splits words as a shell would, with quotes', () => {
    assert.deepEqual(parseCommandLine(`npm test -- --grep 'a b' "c d" x'y'z`), {
      ok: true,
      argv: ['npm', 'test', '--', '--grep', 'a b', 'c d', 'xyz'],
    });
    assert.deepEqual(parseCommandLine(`npm test -- --grep 'a;b|c'`), {
      ok: true,
      argv: ['npm', 'test', '--', '--grep', 'a;b|c'],
    });
  });

  it('allows a command whose words start with an entry, and no other', () => {
    assert.ok(isCommandAllowed(run, 'npm test').ok);
    assert.ok(isCommandAllowed(run, 'npm  test -- --watch=false').ok);
    assert.ok(!isCommandAllowed(run, 'npm testx').ok);
    assert.ok(!isCommandAllowed(run, 'npm run build').ok);
    assert.ok(!isCommandAllowed(run, 'npx tsc').ok, 'a shorter command is not the entry');
    assert.match(reasonOf(isCommandAllowed(run, 'make')), /not an allowed command \(allowed.*npm test/);
    assert.match(reasonOf(isCommandAllowed(policy(), 'npm test')), /none are/);
  });

  it('cannot be bypassed by chaining, substituting or redirecting', () => {
    const bypasses = [
      'npm test; curl evil',
      'npm test;curl evil',
      'npm test && rm -rf /',
      'npm test || curl evil',
      'npm test | sh',
      'npm test & curl evil',
      'npm test $(curl x)',
      'npm test `curl x`',
      'npm test "$(curl x)"',
      'npm test "`curl x`"',
      'npm test\ncurl evil',
      'npm test\r\ncurl evil',
      'npm test > /etc/passwd',
      'npm test < /dev/zero',
      'npm test 2>&1',
      'npm test ${HOME}',
      'npm test $HOME',
      '(curl evil)',
      'npm test \\; curl evil',
      'npm test # comment',
      'npm test ~/x',
      'npm test *',
      "npm test 'unclosed",
      'PATH=/tmp npm test',
      'npm test \u0000',
    ];
    for (const line of bypasses) assert.equal(isCommandAllowed(run, line).ok, false, JSON.stringify(line));
  });

  it('says why a line is refused and how to write it', () => {
    assert.match(reasonOf(parseCommandLine('npm test; curl x')), /";" is not allowed unquoted: it joins commands/);
    assert.match(reasonOf(parseCommandLine('git grep *.ts')), /quote the pattern/);
    assert.match(reasonOf(parseCommandLine('a\nb')), /one command per call/);
    assert.match(reasonOf(parseCommandLine('npm test "$x"')), /use single/);
  });
});

describe('policies', () => {
  it('parses with defaults: every tool, writes anywhere but .git, no commands', () => {
    const defaults = defaultWorkspacePolicy();
    assert.deepEqual(defaults.allowPaths, ['**']);
    assert.deepEqual(defaults.commands, []);
    assert.ok(defaults.tools.includes('write_file'));
  });

  it('refuses invalid globs and commands, naming them, and misspelt fields', () => {
    const bad = WorkspacePolicy.safeParse({ allowPaths: ['src/[a'], commands: ['npm test; x'], alowPaths: [] });
    assert.ok(!bad.success);
    const messages = bad.error.issues.map((i) => i.message).join('\n');
    assert.match(messages, /"src\/\[a" is not a valid glob/);
    assert.match(messages, /"npm test; x" is not a command line/);
    assert.match(messages, /alowPaths/);
  });

  it('refuses verify commands that are not on the allowlist', () => {
    const parsed = WorkspacePolicy.safeParse({ commands: ['npm test'], verify: ['npm test', 'make check'] });
    assert.ok(!parsed.success);
    assert.match(parsed.error.issues[0]!.message, /verify "make check" is not an allowed command/);
  });

  it('intersects the user flags with the worker ceiling', () => {
    const user = policy({
      tools: ['read_file', 'write_file', 'run_command'],
      commands: ['npm', 'make'],
      allowPaths: ['**', '*.md'],
      maxStepsPerRound: 100,
    });
    const ceiling = policy({ tools: ['read_file', 'run_command'], commands: ['npm test', 'npm run lint'] });
    const result = intersectPolicies(user, { ...ceiling, allowPaths: ['src/**', 'README*'], maxStepsPerRound: 30 });
    assert.ok(result.ok);
    assert.deepEqual(result.policy.tools, ['read_file', 'run_command']);
    assert.deepEqual(result.policy.commands, ['npm test', 'npm run lint']);
    assert.deepEqual(result.policy.allowPaths, ['src/**', 'README*'], '"*.md" and "README*" overlap, neither within');
    assert.equal(result.policy.maxStepsPerRound, 30);
    assert.deepEqual(result.notes, [
      "tool write_file is outside the worker's ceiling (allowed: read_file, run_command) and was dropped",
      `command "make" is outside the worker's ceiling (allowed: npm test, npm run lint) and was dropped`,
      `allowPaths "*.md" is outside the worker's ceiling (allowed: src/**, README*) and was dropped`,
    ]);
  });

  it('keeps the narrower of overlapping commands and globs from either side', () => {
    const user = policy({ commands: ['npm test -- --ci'], allowPaths: ['src/lib/**'] });
    const result = intersectPolicies(user, policy({ commands: ['npm'] }));
    assert.ok(result.ok);
    assert.deepEqual(result.policy.commands, ['npm test -- --ci']);
    assert.deepEqual(result.policy.allowPaths, ['src/lib/**']);
  });

  it('refuses an intersection that leaves a verify command without its allowance', () => {
    const user = policy({ commands: ['npm test', 'make check'], verify: ['make check'] });
    const result = intersectPolicies(user, policy({ commands: ['npm test'] }));
    assert.ok(!result.ok);
    assert.match(result.errors[0]!, /verify "make check" is not an allowed command \(allowed.*: npm test\)/);
  });
});

describe('narrowing a run policy for a task', () => {
  const run = policy({
    tools: ['read_file', 'search', 'edit_file', 'run_command'],
    commands: ['npm test', 'npx tsc'],
    allowPaths: ['docs/**'],
    verify: ['npm test'],
    maxStepsPerRound: 40,
  });

  it('applies overrides that only narrow, and adds verify commands to the run ones', () => {
    const overrides = WorkspacePolicyOverrides.parse({
      tools: ['read_file', 'edit_file'],
      allowPaths: ['docs/api/*.md'],
      verify: ['npx tsc --noEmit'],
      maxStepsPerRound: 10,
    });
    const result = narrowPolicy(run, overrides);
    assert.ok(result.ok);
    assert.deepEqual(result.policy, {
      ...run,
      tools: ['read_file', 'edit_file'],
      allowPaths: ['docs/api/*.md'],
      verify: ['npm test', 'npx tsc --noEmit'],
      maxStepsPerRound: 10,
    });
  });

  it('refuses widening, naming the field and what the run allows', () => {
    const result = narrowPolicy(run, {
      tools: ['write_file'],
      commands: ['npm publish', 'npm test; curl x'],
      allowPaths: ['src/**', 'docs/**', '**/*.md'],
      verify: ['curl evil'],
      maxStepsPerRound: 80,
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [
      `tools "write_file" widens the run's policy (allowed: read_file, search, edit_file, run_command)`,
      `commands "npm publish" widens the run's policy (allowed: npm test, npx tsc)`,
      `commands "npm test; curl x" cannot run: ";" is not allowed unquoted: it joins commands: run one command per call`,
      `allowPaths "src/**" widens the run's policy (allowed: docs/**)`,
      `allowPaths "**/*.md" widens the run's policy (allowed: docs/**)`,
      `verify "curl evil" is not an allowed command (allowed, with any arguments: npm test, npx tsc): allow it in the run's commands, or drop the check`,
      `maxStepsPerRound 80 widens the run's policy (allowed: at most 40)`,
    ]);
  });

  it('refuses a narrowing glob that is not a glob', () => {
    const result = narrowPolicy(run, { allowPaths: ['docs/[a'] });
    assert.ok(!result.ok);
    assert.match(result.errors[0]!, /allowPaths "docs\/\[a" is not a valid glob: "\[" has no closing "\]"/);
  });

  it('refuses misspelt override fields rather than ignoring a narrowing', () => {
    assert.equal(WorkspacePolicyOverrides.safeParse({ allowPath: ['docs/a.md'] }).success, false);
  });
});

describe('what task workflows may load', () => {
  it('the path, command and step rules load no zod, only each other and the limits', () => {
    const zodFree = ['workspace-policy', 'globs', 'tools', 'limits'];
    for (const name of zodFree) {
      const source = readFileSync(path.resolve(__dirname, `../../src/domain/${name}.ts`), 'utf8');
      // Type-only imports are erased by the compiler and load nothing.
      const loaded = [...source.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);
      assert.ok(name === 'limits' || loaded.length > 0, `the imports of ${name} were found`);
      for (const specifier of loaded)
        assert.ok(zodFree.includes(specifier.replace('./', '')), `${name} loads ${specifier}`);
    }
  });
});
