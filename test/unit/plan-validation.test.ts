import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_AGENT_TYPES } from '../../src/domain/agents';
import { findCycle, validatePlan } from '../../src/domain/plan-validation';
import { diamondPlan } from '../helpers/plans';

const errorsOf = (plan: unknown) => {
  const check = validatePlan(plan, BUILTIN_AGENT_TYPES);
  assert.equal(check.ok, false, 'expected the plan to be rejected');
  return check.ok ? [] : check.errors;
};

describe('plan validation', () => {
  it('accepts a valid DAG and applies defaults', () => {
    const check = validatePlan(
      { goal: 'g', tasks: [{ id: 't1', title: 'T', acceptanceCriteria: ['ok'] }] },
      BUILTIN_AGENT_TYPES,
    );
    assert.ok(check.ok);
    assert.deepEqual(check.plan.tasks[0]?.deps, []);
    assert.equal(check.plan.tasks[0]?.agentType, 'general');
    assert.equal(check.plan.tasks[0]?.effort, 2);
  });

  it('reports a cycle with its path in execution order', () => {
    const plan = diamondPlan();
    plan.tasks[0]!.deps = ['d'];
    const [error] = errorsOf(plan);
    assert.match(error!, /dependency cycle: (a -> b -> d -> a|a -> c -> d -> a|d -> a -> b -> d|d -> a -> c -> d)/);
  });

  it('reports unknown dependencies, self-dependencies and duplicate ids by task', () => {
    const plan = diamondPlan();
    plan.tasks[1]!.deps = ['zzz'];
    plan.tasks[2]!.deps = ['c'];
    plan.tasks[4]!.id = 'a';
    const errors = errorsOf(plan);
    assert.ok(
      errors.some((e) => e === 'task "a": duplicate id; every task id must be unique'),
      errors.join('\n'),
    );
    assert.ok(errors.some((e) => e.includes('task "b": unknown dependency "zzz"')));
    assert.ok(errors.some((e) => e.includes('task "c": depends on itself')));
  });

  it('names the known agent types when one is unknown', () => {
    const plan = diamondPlan();
    plan.tasks[0]!.agentType = 'wizard';
    const [error] = errorsOf(plan);
    assert.match(error!, /task "a": unknown agentType "wizard"; use one of: code, data_extraction, docs, general/);
  });

  it('reports shape errors with their path: missing criteria, bad ids, effort out of range, empty plan', () => {
    assert.match(errorsOf({ goal: 'g', tasks: [] })[0]!, /^plan\.tasks: /);
    const errors = errorsOf({
      goal: 'g',
      tasks: [{ id: 'has space', title: 'T', effort: 9, acceptanceCriteria: [] }],
    });
    assert.ok(
      errors.some((e) => e.startsWith('plan.tasks.0.id: use 1-64 letters')),
      errors.join('\n'),
    );
    assert.ok(errors.some((e) => e.startsWith('plan.tasks.0.effort:')));
    assert.ok(errors.some((e) => e.startsWith('plan.tasks.0.acceptanceCriteria:')));
  });

  it('bounds the number of tasks', () => {
    const tasks = Array.from({ length: 5001 }, (_, i) => ({ id: `t${i}`, title: 'T', acceptanceCriteria: ['ok'] }));
    assert.match(errorsOf({ goal: 'g', tasks })[0]!, /plan\.tasks: .*5000/);
  });

  it('finds no cycle in a long chain without recursion limits', () => {
    const tasks = Array.from({ length: 20000 }, (_, i) => ({ id: `t${i}`, deps: i ? [`t${i - 1}`] : [] }));
    assert.equal(findCycle({ tasks: tasks as never }), undefined);
  });
});
