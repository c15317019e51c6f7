import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkRefName,
  checkStepId,
  decodeRefComponent,
  encodeRefComponent,
  formatCommitMessage,
  InvalidGitNameError,
  isCommitId,
  MAX_REF_COMPONENT_CHARS,
  parseTaskBranch,
  parseTrailers,
  readStepTrailers,
  resultBranch,
  runBranchPrefix,
  stepTrailerLine,
  taskBranch,
} from '../../src/domain/git-refs';
import { checkRepoLocation, isLocalRepoLocation } from '../../src/domain/workspace';

const step = { runId: 'pw-42', taskId: 'api', stepId: 'implement-1' };

describe('branch names of a run', () => {
  it('names task branches planwright/<runId>/<taskId> and the result planwright/<runId>/_result', () => {
    assert.equal(taskBranch('pw-42', 'api'), 'planwright/pw-42/api');
    assert.equal(resultBranch('pw-42'), 'planwright/pw-42/_result');
    assert.equal(runBranchPrefix('pw-42'), 'planwright/pw-42/');
  });

  it('keeps every branch of a run under one prefix, so the result never collides with a task branch', () => {
    for (const name of [taskBranch('pw-42', 'api'), resultBranch('pw-42')]) {
      assert.ok(name.startsWith(runBranchPrefix('pw-42')));
      assert.equal(checkRefName(`refs/heads/${name}`), undefined);
    }
    assert.throws(() => taskBranch('pw-42', '_result'), InvalidGitNameError);
  });

  it('encodes run ids git cannot hold as they are, reversibly, and reads task branches back', () => {
    for (const runId of ['my run', 'a..b', '.hidden', 'x.lock', 'end.', 'ü~^:?*[\\@{', '100%', 'a.b-c_d']) {
      const branch = taskBranch(runId, 'api');
      assert.equal(checkRefName(`refs/heads/${branch}`), undefined, `${runId} -> ${branch}`);
      assert.deepEqual(parseTaskBranch(branch), { runId, taskId: 'api' });
      assert.deepEqual(parseTaskBranch(`refs/heads/${branch}`), { runId, taskId: 'api' });
    }
    assert.equal(encodeRefComponent('pw-42'), 'pw-42');
    assert.equal(encodeRefComponent('my run'), 'my%20run');
  });

  it('encodes task ids that are valid task ids but not valid ref components', () => {
    for (const taskId of ['a..b', 'x.lock', 'end.']) {
      const branch = taskBranch('pw-42', taskId);
      assert.equal(checkRefName(`refs/heads/${branch}`), undefined, branch);
      assert.deepEqual(parseTaskBranch(branch), { runId: 'pw-42', taskId });
    }
  });

  it('shortens an over-long run id to a stable, valid component that is not decoded', () => {
    const long = '😀'.repeat(100);
    const component = encodeRefComponent(long);
    assert.ok(component.length <= MAX_REF_COMPONENT_CHARS);
    assert.equal(component, encodeRefComponent(long));
    assert.notEqual(component, encodeRefComponent(`${long}x`));
    assert.equal(checkRefName(`refs/heads/planwright/${component}/api`), undefined);
    assert.equal(decodeRefComponent(component), undefined);
  });

  it('refuses ids the run itself refuses, with the reason', () => {
    assert.throws(() => taskBranch('a/b', 'api'), /cannot contain "\/"/);
    assert.throws(() => taskBranch('pw-42', 'has space'), /task id/);
    assert.throws(() => taskBranch(' ', 'api'), /empty or blank/);
  });

  it('reads only task branches as task branches', () => {
    assert.equal(parseTaskBranch('main'), undefined);
    assert.equal(parseTaskBranch('planwright/pw-42/_result'), undefined);
    assert.equal(parseTaskBranch('planwright/pw-42/api/extra'), undefined);
    assert.equal(parseTaskBranch('planwright/pw%2/api'), undefined);
  });
});

describe('ref names', () => {
  it('follows the rules of git check-ref-format', () => {
    for (const ok of ['refs/heads/main', 'feature/x-1', 'v1.0', 'a@b']) assert.equal(checkRefName(ok), undefined, ok);
    for (const bad of ['', '@', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a//b']) {
      assert.ok(checkRefName(bad), JSON.stringify(bad));
    }
    for (const bad of ['a.', '.a', 'a/.b', 'a.lock', 'a/b.lock/c', 'a@{1}', 'tab\tx']) {
      assert.ok(checkRefName(bad), JSON.stringify(bad));
    }
  });

  it('knows a full commit id', () => {
    assert.ok(isCommitId('a'.repeat(40)));
    assert.ok(isCommitId('0'.repeat(64)));
    assert.ok(!isCommitId('abc123'));
    assert.ok(!isCommitId('A'.repeat(40)));
  });

  it('checks step ids', () => {
    assert.equal(checkStepId('implement-1'), undefined);
    assert.ok(checkStepId(''));
    assert.ok(checkStepId('a\nb'));
    assert.ok(checkStepId('x'.repeat(201)));
  });
});

describe('step trailers', () => {
  it('appends the run, task and step trailers as a last paragraph and reads them back', () => {
    const message = formatCommitMessage('Add the API\n\nImplements the endpoints.', step);
    assert.equal(
      message,
      'Add the API\n\nImplements the endpoints.\n\nPlanwright-Run: pw-42\nPlanwright-Task: api\nPlanwright-Step: implement-1\n',
    );
    assert.deepEqual(readStepTrailers(message), step);
  });

  it("joins the message's own trailer block instead of starting another", () => {
    const message = formatCommitMessage('Add the API\n\nCo-authored-by: A <a@example.com>\n', step);
    assert.deepEqual(
      parseTrailers(message).map((t) => t.key),
      ['Co-authored-by', 'Planwright-Run', 'Planwright-Task', 'Planwright-Step'],
    );
  });

  it('never reads a subject as a trailer block', () => {
    const message = formatCommitMessage('fix: typo', step);
    assert.ok(message.startsWith('fix: typo\n\nPlanwright-Run: pw-42\n'));
    assert.deepEqual(parseTrailers('fix: typo\n'), []);
  });

  it('drops lines of the message that claim to be Planwright trailers', () => {
    const message = formatCommitMessage('Work\n\nPlanwright-Step: someone-else\nplanwright-run: other', step);
    assert.deepEqual(readStepTrailers(message), step);
    assert.ok(!message.includes('someone-else'));
  });

  it('gives a blank message a subject and keeps "#" lines (they are text, not comments)', () => {
    assert.ok(formatCommitMessage('  \n', step).startsWith('Planwright step implement-1\n\n'));
    assert.ok(formatCommitMessage('# Heading\n\nbody', step).startsWith('# Heading\n\nbody\n\n'));
  });

  it('keeps ids with spaces, "%" and edge spaces exact', () => {
    const odd = { runId: ' my run 100% ', taskId: 'api', stepId: 'step %1' };
    assert.deepEqual(readStepTrailers(formatCommitMessage('x', odd)), odd);
    assert.equal(stepTrailerLine('step %1'), 'Planwright-Step: step %251');
  });

  it('reads nothing from a message without all three trailers', () => {
    assert.equal(readStepTrailers('x\n\nPlanwright-Run: a\nPlanwright-Task: b\n'), undefined);
    assert.equal(readStepTrailers('x\n\nPlanwright-Step: a\n\nmore text'), undefined);
  });
});

describe('repository locations', () => {
  it('accepts paths and URLs without credentials', () => {
    for (const ok of ['/srv/repo', './repo', 'repo', 'https://example.com/a/b.git', 'git@github.com:a/b.git']) {
      assert.equal(checkRepoLocation(ok), undefined, ok);
    }
    assert.equal(checkRepoLocation('ssh://git@example.com:22/a.git'), undefined);
    assert.equal(checkRepoLocation('file:///srv/repo'), undefined);
  });

  it('refuses credentials, remote helpers, options and unknown schemes, naming the fix', () => {
    assert.match(checkRepoLocation('https://user:token@example.com/a.git')!, /credential helper/);
    assert.match(checkRepoLocation('https://token@example.com/a.git')!, /credentials/);
    assert.match(checkRepoLocation('ext::sh -c touch% /tmp/x')!, /remote-helper/);
    assert.match(checkRepoLocation('-uhack')!, /cannot start with "-"/);
    assert.match(checkRepoLocation('ftp://example.com/a')!, /unsupported URL scheme/);
    assert.match(checkRepoLocation('user:pw@host:path')!, /password/);
  });

  it('tells local locations from remote ones as git does', () => {
    assert.ok(isLocalRepoLocation('/srv/repo'));
    assert.ok(isLocalRepoLocation('file:///srv/repo'));
    assert.ok(isLocalRepoLocation('dir/with:colon'));
    assert.ok(!isLocalRepoLocation('host:path'));
    assert.ok(!isLocalRepoLocation('https://example.com/a'));
  });
});
