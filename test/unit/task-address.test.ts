import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOutputRef, taskOutputRef, taskWorkflowId } from '../../src/domain/task-address';

describe('task addresses', () => {
  it("builds a task workflow's id and its output reference from the run and task ids", () => {
    assert.equal(taskWorkflowId('pw-1', 'api'), 'pw-1/api');
    assert.deepEqual(taskOutputRef('pw-1', 'api'), { kind: 'taskHistory', workflowId: 'pw-1/api' });
  });

  it('reads references as every version wrote them: a plain workflow id before references had a kind', () => {
    assert.deepEqual(readOutputRef('pw-1/api'), { kind: 'taskHistory', workflowId: 'pw-1/api' });
    assert.deepEqual(readOutputRef({ kind: 'taskHistory', workflowId: 'pw-1/api' }), {
      kind: 'taskHistory',
      workflowId: 'pw-1/api',
    });
  });

  it('refuses what is not a reference', () => {
    assert.equal(readOutputRef(undefined), undefined);
    assert.equal(readOutputRef({ kind: 'git', commit: 'abc' }), undefined);
    assert.equal(readOutputRef({ kind: 'taskHistory' }), undefined);
  });
});
