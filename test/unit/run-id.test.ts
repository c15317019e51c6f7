import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunId, parseRunIdArgument } from '../../src/cli/inputs';
import { checkRunId, isRunId, MAX_RUN_ID_CHARS, taskWorkflowId } from '../../src/domain/task-address';
import { UserError } from '../../src/infra/errors';
import { planwright } from '../helpers/cli';

describe('run ids', () => {
  it('accepts the ids Planwright generates and ordinary names', () => {
    for (const id of [
      'pw-20261121-080343-dabd',
      'release-42',
      'Nightly build 7',
      'a.b_c:d',
      'x'.repeat(MAX_RUN_ID_CHARS),
    ]) {
      assert.equal(checkRunId(id), undefined, id);
      assert.equal(isRunId(id), true, id);
    }
  });

  it('refuses an id with the separator of task workflow ids, which would collide with a task of another run', () => {
    assert.equal(taskWorkflowId('a', 'b'), 'a/b');
    assert.equal(isRunId('a/b'), false);
    assert.match(checkRunId('a/b')!, /cannot contain "\/", which joins run and task ids/);
  });

  it('refuses empty and blank ids, ids over the length limit, and control characters', () => {
    assert.match(checkRunId('')!, /empty or blank/);
    assert.match(checkRunId('  \t ')!, /empty or blank/);
    assert.match(checkRunId('x'.repeat(MAX_RUN_ID_CHARS + 1))!, /at most 200 characters, this one 201/);
    for (const id of ['run\n2', 'run\u0000', 'tab\there', 'del\u007f', 'c1\u0085']) {
      assert.match(checkRunId(id)!, /control characters/, JSON.stringify(id));
    }
  });

  it('is checked on `run --id` before anything starts, in one line with the fix', () => {
    assert.throws(
      () => parseRunId('team/run-1'),
      (err: unknown) =>
        err instanceof UserError &&
        err.exitCode === 2 &&
        err.message ===
          '--id "team/run-1": a run id cannot contain "/", which joins run and task ids in task workflow ids; ' +
            'choose another id (e.g. "release-42"), or leave --id out for a generated one',
    );
    assert.equal(parseRunId('release-42'), 'release-42');
  });

  it('makes `planwright run --id` with a slash exit 2 without contacting a server', async () => {
    // An address nothing listens on: the id is refused before any connection is tried.
    const result = await planwright(['run', 'some goal', '--id', 'a/b'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^planwright: --id "a\/b": a run id cannot contain "\/"/);
    assert.doesNotMatch(result.stderr, /cannot reach/);
  });

  it('refuses a <runId> argument that names a task, so `status <runId>/<taskId>` never reads the wrong workflow', () => {
    assert.equal(parseRunIdArgument('pw-20261125-1'), 'pw-20261125-1');
    assert.throws(() => parseRunIdArgument('run-1/t3'), /"run-1\/t3" is not a run id: .*a task is <runId> <taskId>/);
  });
});
