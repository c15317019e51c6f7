/**
 * The git workspace against real git in temporary folders: run repositories, clone caches, checkouts, step commits,
 * compare-and-swap pushes, merges, and what a hostile repository or agent cannot make our git do.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CheckoutTamperedError,
  cleanupRun,
  commitStep,
  diff,
  diffSummary,
  findStep,
  GitFailedError,
  LfsUnavailableError,
  mergeBranches,
  NotARepositoryError,
  openRunRepository,
  prepareCheckout,
  pushTaskBranch,
  RefNotFoundError,
  RemoteMovedError,
  RemoteRejectedError,
  RemoteUnreachableError,
  workspaceSettings,
  type WorkspaceSettings,
} from '../../src/activities/workspace';
import { readStepTrailers, taskBranch } from '../../src/domain/git-refs';
import type { Checkout } from '../../src/domain/workspace';
import { fixtureGit } from '../helpers/git-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'pw-workspace-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let seq = 0;
const fresh = (name: string) => path.join(tmp, `${name}-${++seq}`);

/** Fixture git: the tests' own (test/helpers/git-fixtures.ts), with hooks off and a fixed identity. */
const fx = fixtureGit;

/** A non-bare repository on `main` with the given files committed. */
function userRepo(files: Record<string, string> = { 'a.txt': 'one\ntwo\nthree\n' }): string {
  const dir = fresh('user');
  mkdirSync(dir);
  fx(dir, 'init', '-q', '-b', 'main');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  fx(dir, 'add', '-A');
  fx(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** A bare repository holding `source`'s branches: the shared remote of several workers. */
function bareFrom(source: string): string {
  const dir = fresh('remote.git');
  fx(tmp, 'clone', '-q', '--bare', source, dir);
  return dir;
}

function worker(name: string, options: Partial<WorkspaceSettings> = {}): WorkspaceSettings {
  return workspaceSettings({ root: fresh(`worker-${name}`), ...options });
}

const write = (checkout: Checkout, file: string, text: string) => {
  mkdirSync(path.dirname(path.join(checkout.dir, file)), { recursive: true });
  writeFileSync(path.join(checkout.dir, file), text);
};

/** Prepares a checkout of `base`, writes `files`, commits them as `stepId` and pushes the task branch. */
async function doTask(
  settings: WorkspaceSettings,
  remote: string,
  base: string,
  ids: { runId: string; taskId: string; stepId: string },
  files: Record<string, string>,
) {
  const { checkout } = await prepareCheckout(settings, { remote, commit: base, runId: ids.runId, taskId: ids.taskId });
  for (const [file, text] of Object.entries(files)) write(checkout, file, text);
  const made = await commitStep(settings, { checkout, ...ids, message: `Work on ${ids.taskId}` });
  assert.ok(made.commit);
  const branch = taskBranch(ids.runId, ids.taskId);
  const pushed = await pushTaskBranch(settings, { checkout, remote, branch, expectedOld: null });
  return { checkout, commit: made.commit, branch, pushed };
}

describe('the run repository', { timeout: 60_000 }, () => {
  it('is a new bare repository when the run has none, and receives task branches with identity and trailers', async () => {
    const settings = worker('a');
    const repo = await openRunRepository(settings, { runId: 'pw-new' });
    assert.equal(repo.created, true);
    assert.equal(repo.remote, path.join(settings.root, 'repos', 'pw-new.git'));
    assert.equal(repo.baseRef, 'refs/heads/main');
    assert.equal(fx(repo.remote, 'rev-parse', 'main'), repo.base);
    // A retried start finds the same repository and base.
    assert.deepEqual(await openRunRepository(settings, { runId: 'pw-new' }), repo);

    const ids = { runId: 'pw-new', taskId: 'api', stepId: 'implement-1' };
    const { commit, branch, pushed } = await doTask(settings, repo.remote, repo.base, ids, { 'src/api.ts': 'x\n' });
    assert.deepEqual(pushed, { branch: 'planwright/pw-new/api', commit, previous: null });
    assert.equal(fx(repo.remote, 'rev-parse', `refs/heads/${branch}`), commit);
    assert.equal(
      fx(repo.remote, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', commit),
      ['Planwright <planwright@localhost>', 'Planwright <planwright@localhost>'].join('|'),
    );
    // git itself reads the trailers where formatCommitMessage put them.
    const trailers = fx(repo.remote, 'log', '-1', '--format=%(trailers:only,unfold)', commit);
    assert.equal(trailers, 'Planwright-Run: pw-new\nPlanwright-Task: api\nPlanwright-Step: implement-1');
    assert.deepEqual(readStepTrailers(fx(repo.remote, 'log', '-1', '--format=%B', commit)), ids);
  });

  it("leaves a user's working tree, index and current branch as they were while branches are written into it", async () => {
    const user = userRepo();
    fx(user, 'checkout', '-q', '-b', 'feature');
    writeFileSync(path.join(user, 'a.txt'), 'uncommitted edit\n');
    writeFileSync(path.join(user, 'untracked.txt'), 'mine\n');
    fx(user, 'add', 'untracked.txt');
    const before = {
      status: fx(user, 'status', '--porcelain=v1'),
      head: fx(user, 'symbolic-ref', 'HEAD'),
      commit: fx(user, 'rev-parse', 'HEAD'),
      refs: fx(user, 'for-each-ref', '--format=%(refname) %(objectname)'),
      index: readFileSync(path.join(user, '.git', 'index')),
    };
    const settings = worker('a');
    const repo = await openRunRepository(settings, { runId: 'pw-user', repo: user, base: 'main' });
    assert.equal(repo.created, false);
    assert.equal(repo.base, fx(user, 'rev-parse', 'main'));
    const ids = { runId: 'pw-user', taskId: 'docs', stepId: 's1' };
    const { commit } = await doTask(settings, repo.remote, repo.base, ids, { 'a.txt': 'changed by the agent\n' });

    assert.equal(fx(user, 'status', '--porcelain=v1'), before.status);
    assert.equal(fx(user, 'symbolic-ref', 'HEAD'), before.head);
    assert.equal(fx(user, 'rev-parse', 'HEAD'), before.commit);
    assert.equal(readFileSync(path.join(user, 'a.txt'), 'utf8'), 'uncommitted edit\n');
    assert.deepEqual(readFileSync(path.join(user, '.git', 'index')), before.index);
    const refsAfter = fx(user, 'for-each-ref', '--format=%(refname) %(objectname)').split('\n');
    assert.deepEqual(
      refsAfter.filter((r) => !r.startsWith('refs/heads/planwright/')),
      before.refs.split('\n'),
    );
    assert.deepEqual(
      refsAfter.filter((r) => r.startsWith('refs/heads/planwright/')),
      [`refs/heads/planwright/pw-user/docs ${commit}`],
    );
  });

  it('names the fix for a path that is not a repository, an unreachable remote and a missing base', async () => {
    const settings = worker('a');
    const notRepo = fresh('plain-folder');
    mkdirSync(notRepo);
    const oneLine = (re: RegExp) => (err: Error) => re.test(err.message) && !err.message.includes('\n');
    await assert.rejects(openRunRepository(settings, { runId: 'r', repo: notRepo }), NotARepositoryError);
    await assert.rejects(
      openRunRepository(settings, { runId: 'r', repo: notRepo }),
      oneLine(/is not a git repository: pass --repo/),
    );
    await assert.rejects(
      openRunRepository(settings, { runId: 'r', repo: path.join(tmp, 'no-such-folder') }),
      NotARepositoryError,
    );
    const unreachable = openRunRepository(settings, { runId: 'r', repo: 'https://127.0.0.1:1/repo.git' });
    await assert.rejects(unreachable, (err: Error) => err instanceof RemoteUnreachableError && !err.retryable);
    await assert.rejects(
      openRunRepository(settings, { runId: 'r', repo: 'https://127.0.0.1:1/repo.git' }),
      oneLine(/cannot reach https:\/\/127\.0\.0\.1:1\/repo\.git .*check the URL/),
    );
    const user = userRepo();
    await assert.rejects(openRunRepository(settings, { runId: 'r', repo: user, base: 'nope' }), RefNotFoundError);
    await assert.rejects(
      openRunRepository(settings, { runId: 'r', repo: user, base: 'nope' }),
      oneLine(/--base nope is not a branch, tag or commit of .*\(branches: main\)/),
    );
  });

  it('resolves a base given as a tag or an abbreviated commit id', async () => {
    const user = userRepo();
    const first = fx(user, 'rev-parse', 'HEAD');
    fx(user, 'tag', '-a', 'v1', '-m', 'v1');
    fx(user, 'commit', '-q', '--allow-empty', '-m', 'later');
    const settings = worker('a');
    const tagged = await openRunRepository(settings, { runId: 'r1', repo: user, base: 'v1' });
    assert.deepEqual([tagged.base, tagged.baseRef], [first, 'refs/tags/v1']);
    const short = await openRunRepository(settings, { runId: 'r2', repo: user, base: first.slice(0, 10) });
    assert.equal(short.base, first);
  });
});

describe('checkouts from worker caches', { timeout: 60_000 }, () => {
  it('lets two workers with their own caches, sharing only a bare remote, each push a task branch', async () => {
    const remote = bareFrom(userRepo());
    const base = fx(remote, 'rev-parse', 'main');
    const [a, b] = [worker('a'), worker('b')];
    const one = await doTask(a, remote, base, { runId: 'pw-2w', taskId: 't1', stepId: 's' }, { 'one.txt': '1\n' });
    const two = await doTask(b, remote, base, { runId: 'pw-2w', taskId: 't2', stepId: 's' }, { 'two.txt': '2\n' });
    assert.notEqual(one.checkout.cache, two.checkout.cache);
    assert.ok(one.checkout.cache.startsWith(a.cacheDir) && two.checkout.cache.startsWith(b.cacheDir));
    assert.equal(fx(remote, 'rev-parse', `refs/heads/${one.branch}`), one.commit);
    assert.equal(fx(remote, 'rev-parse', `refs/heads/${two.branch}`), two.commit);
    // Each sees the other's work through the remote alone.
    const seen = await findStep(b, { remote, branch: one.branch, runId: 'pw-2w', taskId: 't1', stepId: 's' });
    assert.deepEqual(seen, { found: true, commit: one.commit, head: one.commit });
  });

  it('fails a compare-and-swap push with RemoteMovedError naming the commit the remote moved to', async () => {
    const remote = bareFrom(userRepo());
    const base = fx(remote, 'rev-parse', 'main');
    const [a, b] = [worker('a'), worker('b')];
    const ids = { runId: 'pw-cas', taskId: 't1', stepId: 's1' };
    const first = await doTask(a, remote, base, ids, { 'x.txt': 'from a\n' });

    const { checkout } = await prepareCheckout(b, { remote, commit: base, runId: 'pw-cas', taskId: 't1' });
    write(checkout, 'x.txt', 'from b\n');
    await commitStep(b, { checkout, ...ids, message: 'b too' });
    const lost = pushTaskBranch(b, { checkout, remote, branch: first.branch, expectedOld: null });
    await assert.rejects(lost, (err: Error) => {
      assert.ok(err instanceof RemoteMovedError);
      assert.deepEqual([err.expected, err.actual], [null, first.commit]);
      assert.match(
        err.message,
        new RegExp(`branch ${first.branch} of .* moved: expected no branch, found ${first.commit}`),
      );
      return true;
    });
    await assert.rejects(
      pushTaskBranch(b, { checkout, remote, branch: first.branch, expectedOld: base }),
      RemoteMovedError,
    );
    assert.equal(fx(remote, 'rev-parse', `refs/heads/${first.branch}`), first.commit);

    // With the right expectation the swap lands; the same push retried after it landed succeeds again.
    const input = { checkout, remote, branch: first.branch, expectedOld: first.commit };
    const landed = await pushTaskBranch(b, input);
    assert.deepEqual(await pushTaskBranch(b, input), landed);
  });

  it("reports the remote's own refusal as RemoteRejectedError with its reason", async () => {
    const remote = bareFrom(userRepo());
    fx(remote, 'config', 'receive.denyNonFastForwards', 'true');
    const base = fx(remote, 'rev-parse', 'main');
    const settings = worker('a');
    const ids = { runId: 'pw-deny', taskId: 't1', stepId: 's1' };
    const first = await doTask(settings, remote, base, ids, { 'x.txt': '1\n' });
    const { checkout } = await prepareCheckout(settings, { remote, commit: base, runId: 'pw-deny', taskId: 't1' });
    write(checkout, 'x.txt', 'rewritten\n');
    await commitStep(settings, { checkout, ...ids, stepId: 's2', message: 'rewrite' });
    await assert.rejects(
      pushTaskBranch(settings, { checkout, remote, branch: first.branch, expectedOld: first.commit }),
      (err: Error) => err instanceof RemoteRejectedError && /refused to update .*non-fast-forward/.test(err.message),
    );
  });

  it('finds a step whose push landed by its trailer, and makes no second commit when the step is retried', async () => {
    const remote = bareFrom(userRepo());
    const base = fx(remote, 'rev-parse', 'main');
    const settings = worker('a');
    const ids = { runId: 'pw-find', taskId: 't1', stepId: 'implement-2' };
    const { checkout, commit, branch } = await doTask(settings, remote, base, ids, { 'f.txt': 'v1\n' });
    const look = (stepId: string, b = branch) => findStep(settings, { remote, branch: b, ...ids, stepId });

    assert.deepEqual(await look('implement-2'), { found: true, commit, head: commit });
    assert.deepEqual(await look('implement-3'), { found: false, head: commit });
    assert.deepEqual(await look('implement-2', taskBranch('pw-find', 'other')), { found: false, head: null });
    // Same step id, another task: not this task's step.
    const other = await findStep(settings, { remote, branch, ...ids, taskId: 'other' });
    assert.equal(other.found, false);

    const again = await commitStep(settings, { checkout, ...ids, message: 'retried' });
    assert.deepEqual(again, { commit, changed: ['f.txt'] });
    assert.deepEqual(await commitStep(settings, { checkout, ...ids, stepId: 'nothing', message: 'x' }), {
      commit: undefined,
    });
  });

  it("merges two dependencies' branches, and lists the paths of a conflict", async () => {
    const remote = bareFrom(userRepo({ 'a.txt': 'one\ntwo\nthree\n', 'c.txt': 'c\n' }));
    const base = fx(remote, 'rev-parse', 'main');
    const settings = worker('a');
    const run = 'pw-merge';
    const t1 = await doTask(
      settings,
      remote,
      base,
      { runId: run, taskId: 't1', stepId: 's' },
      {
        'a.txt': 'ONE\ntwo\nthree\n',
        'b.txt': 'new\n',
      },
    );
    const t2 = await doTask(settings, remote, base, { runId: run, taskId: 't2', stepId: 's' }, { 'c.txt': 'C\n' });
    const t3 = await doTask(
      settings,
      remote,
      base,
      { runId: run, taskId: 't3', stepId: 's' },
      {
        'a.txt': 'uno\ntwo\nthree\n',
      },
    );

    const { checkout } = await prepareCheckout(settings, { remote, commit: base, runId: run, taskId: 't4' });
    const merged = await mergeBranches(settings, {
      checkout,
      branches: [t1.branch, t2.branch],
      runId: run,
      taskId: 't4',
    });
    assert.ok(merged.ok);
    assert.equal(readFileSync(path.join(checkout.dir, 'a.txt'), 'utf8'), 'ONE\ntwo\nthree\n');
    assert.equal(readFileSync(path.join(checkout.dir, 'c.txt'), 'utf8'), 'C\n');
    assert.equal(
      fx(checkout.dir, 'log', '-1', '--format=%an|%(trailers:key=Planwright-Task,valueonly)'),
      'Planwright|t4',
    );

    const summary = await diffSummary(settings, { checkout, from: base });
    assert.deepEqual(
      summary.files.map((f) => [f.path, f.added, f.deleted]),
      [
        ['a.txt', 1, 1],
        ['b.txt', 1, 0],
        ['c.txt', 1, 1],
      ],
    );
    assert.deepEqual([summary.totalFiles, summary.added, summary.deleted, summary.truncated], [3, 3, 2, false]);
    const short = await diffSummary(settings, { checkout, from: base, maxFiles: 1 });
    assert.deepEqual([short.files.length, short.totalFiles, short.truncated], [1, 3, true]);
    const text = await diff(settings, { checkout, from: base });
    assert.match(text.text, /^\+ONE$/m);
    const cut = await diff(settings, { checkout, from: base, maxBytes: 60 });
    assert.ok(cut.truncated && cut.text.length <= 60 && cut.text.endsWith('\n'));

    const { checkout: other } = await prepareCheckout(settings, { remote, commit: base, runId: run, taskId: 't5' });
    const conflict = await mergeBranches(settings, {
      checkout: other,
      branches: [t1.branch, t3.branch],
      runId: run,
      taskId: 't5',
    });
    assert.deepEqual(conflict, { ok: false, branch: t3.branch, conflicts: ['a.txt'] });
    await assert.rejects(
      mergeBranches(settings, { checkout: other, branches: ['planwright/pw-merge/nope'], runId: run, taskId: 't5' }),
      (err: Error) =>
        err instanceof RefNotFoundError && /branch planwright\/pw-merge\/nope is not in/.test(err.message),
    );
    // Left as it was before the conflicting merge: at t1's commit, clean.
    assert.equal(fx(other.dir, 'rev-parse', 'HEAD'), t1.commit);
    assert.equal(fx(other.dir, 'status', '--porcelain'), '');
  });

  it('initialises submodules recursively, and refuses local-path submodules unless the worker allows them', async () => {
    const lib = userRepo({ 'lib.txt': 'library\n' });
    const user = userRepo({ 'main.txt': 'app\n' });
    fx(user, 'submodule', '--quiet', 'add', lib, 'vendor/lib');
    fx(user, 'commit', '-q', '-m', 'add lib');
    const base = fx(user, 'rev-parse', 'HEAD');

    const allowed = worker('a', { allowLocalSubmodules: true });
    const prepared = await prepareCheckout(allowed, { remote: user, commit: base, runId: 'pw-sub', taskId: 't1' });
    assert.deepEqual(prepared.submodules, ['vendor/lib']);
    assert.equal(readFileSync(path.join(prepared.checkout.dir, 'vendor/lib/lib.txt'), 'utf8'), 'library\n');

    await assert.rejects(
      prepareCheckout(worker('b'), { remote: user, commit: base, runId: 'pw-sub', taskId: 't1' }),
      (err: Error) => err instanceof GitFailedError && /allowLocalSubmodules/.test(err.message),
    );
  });

  it('says clearly that a repository with Git LFS files needs git-lfs on the worker', async (t) => {
    if (execFileSync('sh', ['-c', 'command -v git-lfs || true'], { encoding: 'utf8' }).trim()) {
      t.skip('git-lfs is installed here');
      return;
    }
    const user = userRepo({ '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'x.bin': 'pointer\n' });
    const base = fx(user, 'rev-parse', 'HEAD');
    await assert.rejects(
      prepareCheckout(worker('a'), { remote: user, commit: base, runId: 'pw-lfs', taskId: 't1' }),
      (err: Error) => err instanceof LfsUnavailableError && /git-lfs is not installed on this worker/.test(err.message),
    );
    const skipped = await prepareCheckout(worker('b', { lfs: 'skip' }), {
      remote: user,
      commit: base,
      runId: 'pw-lfs',
      taskId: 't1',
    });
    assert.equal(skipped.lfs, 'skipped');
  });

  for (const mode of ['clone', 'worktree'] as const) {
    it(`works from a partial (blobless) cache in ${mode} mode, and cleans up after the run`, async () => {
      const remote = bareFrom(userRepo({ 'a.txt': 'a\n', 'd/b.txt': 'b\n' }));
      const base = fx(remote, 'rev-parse', 'main');
      const settings = worker('p', { partial: true, mode });
      const ids = { runId: 'pw-partial', taskId: 't1', stepId: 's' };
      const { checkout, commit } = await doTask(settings, remote, base, ids, { 'd/b.txt': 'B\n' });
      assert.equal(fx(checkout.cache, 'config', 'extensions.partialClone'), 'origin');
      assert.equal(readFileSync(path.join(checkout.dir, 'a.txt'), 'utf8'), 'a\n');
      assert.equal(fx(remote, 'rev-parse', `refs/heads/${taskBranch('pw-partial', 't1')}`), commit);

      assert.deepEqual(await cleanupRun(settings, 'pw-partial'), { removed: 1 });
      assert.ok(!existsSync(checkout.dir));
      assert.equal(fx(checkout.cache, 'worktree', 'list').split('\n').length, 1);
    });
  }

  it('merges in a shallow cache by fetching the history the merge base needs', async () => {
    const user = userRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const base = fx(user, 'rev-parse', 'HEAD');
    // main moves on, so the merge base of the task branches (base) is no branch's tip: a depth-1 cache lacks it.
    for (let i = 0; i < 3; i++) fx(user, 'commit', '-q', '--allow-empty', '-m', `filler ${i}`);
    const remote = bareFrom(user);
    const [a, b] = [worker('a'), worker('s', { depth: 1 })];
    const run = 'pw-shallow';
    const t1 = await doTask(a, remote, base, { runId: run, taskId: 't1', stepId: 's' }, { 'a.txt': 'A\n' });
    const t2 = await doTask(a, remote, base, { runId: run, taskId: 't2', stepId: 's' }, { 'b.txt': 'B\n' });
    const { checkout } = await prepareCheckout(b, { remote, commit: t1.commit, runId: run, taskId: 't3' });
    assert.equal(fx(checkout.dir, 'rev-parse', '--is-shallow-repository'), 'true');
    const merged = await mergeBranches(b, { checkout, branches: [t2.branch], runId: run, taskId: 't3' });
    assert.ok(merged.ok);
    assert.equal(readFileSync(path.join(checkout.dir, 'b.txt'), 'utf8'), 'B\n');
    assert.equal(fx(checkout.dir, 'rev-parse', '--is-shallow-repository'), 'false');
  });
});

describe('hostile repositories and checkouts', { timeout: 60_000 }, () => {
  const marker = path.join(tmp, `pwned-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const pwned = () =>
    ['fsmonitor', 'hook', 'filter', 'agent-fsmonitor', 'agent-hook'].filter((m) => existsSync(`${marker}-${m}`));

  it("never runs the user's repository's fsmonitor or hooks, nor what an agent plants in its checkout", async () => {
    const user = userRepo({ 'a.txt': 'a\n', '.gitattributes': '*.txt filter=evil\n' });
    fx(user, 'config', 'core.fsmonitor', `touch ${marker}-fsmonitor; false`);
    fx(user, 'config', 'filter.evil.clean', `touch ${marker}-filter; cat`);
    fx(user, 'config', 'filter.evil.smudge', `touch ${marker}-filter; cat`);
    for (const hook of [
      'pre-receive',
      'update',
      'post-receive',
      'post-update',
      'reference-transaction',
      'pre-commit',
    ]) {
      writeFileSync(path.join(user, '.git', 'hooks', hook), `#!/bin/sh\ntouch ${marker}-hook\nexit 0\n`, {
        mode: 0o755,
      });
    }
    const settings = worker('a');
    const run = 'pw-hostile';
    const repo = await openRunRepository(settings, { runId: run, repo: user, base: 'main' });
    const t1 = await doTask(
      settings,
      repo.remote,
      repo.base,
      { runId: run, taskId: 't1', stepId: 's' },
      { 'b.txt': 'b\n' },
    );

    // The agent rewrites its checkout's config and hooks, and redirects pushes with insteadOf.
    const { checkout } = await prepareCheckout(settings, {
      remote: repo.remote,
      commit: repo.base,
      runId: run,
      taskId: 't2',
    });
    const decoy = bareFrom(userRepo());
    const gitConfig = path.join(checkout.gitDir, 'config');
    writeFileSync(
      gitConfig,
      readFileSync(gitConfig, 'utf8') +
        `[core]\n\tfsmonitor = touch ${marker}-agent-fsmonitor; false\n` +
        `[filter "evil"]\n\tclean = touch ${marker}-filter; cat\n` +
        `[url "${decoy}"]\n\tinsteadOf = ${repo.remote}\n`,
    );
    mkdirSync(path.join(checkout.gitDir, 'hooks'), { recursive: true });
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'pre-push', 'post-merge']) {
      writeFileSync(path.join(checkout.gitDir, 'hooks', hook), `#!/bin/sh\ntouch ${marker}-agent-hook\n`, {
        mode: 0o755,
      });
    }
    write(checkout, 'c.txt', 'c\n');
    await commitStep(settings, { checkout, runId: run, taskId: 't2', stepId: 's', message: 'agent work' });
    const merged = await mergeBranches(settings, { checkout, branches: [t1.branch], runId: run, taskId: 't2' });
    assert.ok(merged.ok);
    const branch = taskBranch(run, 't2');
    await pushTaskBranch(settings, { checkout, remote: repo.remote, branch, expectedOld: null });
    await findStep(settings, { remote: repo.remote, branch, runId: run, taskId: 't2', stepId: 's' });
    await diffSummary(settings, { checkout, from: repo.base });

    assert.deepEqual(pwned(), []);
    assert.ok(!readFileSync(gitConfig, 'utf8').includes('insteadOf'), 'the checkout config was resealed');
    assert.equal(fx(user, 'rev-parse', `refs/heads/${branch}`), fx(checkout.dir, 'rev-parse', 'HEAD'));
    assert.equal(fx(decoy, 'for-each-ref', 'refs/heads/planwright'), '');

    // The traps are live: plain git, without Planwright's defences, springs them.
    execFileSync('git', ['status', '--porcelain'], { cwd: user, stdio: 'ignore' });
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'plain'], { cwd: checkout.dir, stdio: 'ignore' });
    assert.deepEqual(pwned(), ['fsmonitor', 'filter', 'agent-hook']);
  });

  it('refuses a checkout whose git directory was swapped for a link', async () => {
    const remote = bareFrom(userRepo());
    const settings = worker('a');
    const base = fx(remote, 'rev-parse', 'main');
    const { checkout } = await prepareCheckout(settings, { remote, commit: base, runId: 'pw-swap', taskId: 't1' });
    const elsewhere = fresh('elsewhere');
    fx(tmp, 'init', '-q', elsewhere);
    rmSync(checkout.gitDir, { recursive: true });
    symlinkSync(path.join(elsewhere, '.git'), checkout.gitDir);
    await assert.rejects(
      commitStep(settings, { checkout, runId: 'pw-swap', taskId: 't1', stepId: 's', message: 'x' }),
      CheckoutTamperedError,
    );
  });
});
