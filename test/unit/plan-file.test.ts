/** Plan files checked at the edge as strictly as the config file, without making the workflows' Plan stricter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Plan, PlanDraft } from '../../src/domain/plan';
import { checkPlanFile, planFileJsonSchema, unknownRunInputKeys } from '../../src/domain/plan-file';
import { flagsThatFit, planPolicyProblems } from '../../src/domain/plan-policy';
import { unknownKeysIn } from '../../src/domain/unknown-keys';
import { WorkspacePolicy } from '../../src/domain/workspace-policy-schema';

const task = { id: 'a', title: 'A', acceptanceCriteria: ['ok'] };

describe('a plan file', () => {
  it('refuses a misspelt key with the key it most likely meant, which the workflows’ Plan would drop', () => {
    const file = { goal: 'g', tasks: [{ ...task, verfy: ['npm test'] }] };
    assert.deepEqual(checkPlanFile(file, ['general']), {
      ok: false,
      errors: ['plan: unknown key "tasks.0.verfy" (did you mean "tasks.0.verify"?)'],
    });
    // The recorded runs' schema stays as it was: it drops the key (and would run the task with no check).
    assert.equal(Plan.parse(file).tasks[0]!.verify, undefined);
    const top = checkPlanFile({ goal: 'g', taks: [], tasks: [task] }, ['general']);
    assert.ok(!top.ok && top.errors.some((e) => e === 'plan: unknown key "taks" (did you mean "tasks"?)'));
  });

  it('takes one string where a list is expected, as a list of one', () => {
    const check = checkPlanFile(
      { goal: 'g', tasks: [{ ...task, acceptanceCriteria: 'ok', verify: 'npm test', allowPaths: 'src/**' }] },
      ['general'],
    );
    assert.ok(check.ok);
    assert.deepEqual(check.plan.tasks[0]!.verify, ['npm test']);
    assert.deepEqual(check.plan.tasks[0]!.allowPaths, ['src/**']);
    assert.deepEqual(check.plan.tasks[0]!.acceptanceCriteria, ['ok']);
  });

  it('still checks the graph', () => {
    const check = checkPlanFile({ goal: 'g', tasks: [{ ...task, deps: 'b' }] }, ['general']);
    assert.deepEqual(check, { ok: false, errors: ['task "a": unknown dependency "b"; no task has that id'] });
  });

  it('is published as JSON Schema, strict, with one string allowed for lists', () => {
    const schema = planFileJsonSchema() as {
      additionalProperties: boolean;
      properties: {
        tasks: { items: { additionalProperties: boolean; properties: Record<string, { anyOf?: unknown[] }> } };
      };
    };
    assert.equal(schema.additionalProperties, false);
    const item = schema.properties.tasks.items;
    assert.equal(item.additionalProperties, false);
    assert.deepEqual(item.properties.verify!.anyOf?.[1], { type: 'string' });
    assert.ok(item.properties.allowPaths);
  });
});

describe("a run's input", () => {
  it('names unknown keys at its top level and in its plan', () => {
    assert.deepEqual(
      unknownRunInputKeys({ goal: 'g', budgetCredit: 5, plan: { tasks: [{ ...task, alowPaths: ['x'] }] } }),
      [
        'unknown key "budgetCredit" (did you mean "budgetCredits"?)',
        'plan: unknown key "tasks.0.alowPaths" (did you mean "tasks.0.allowPaths"?)',
      ],
    );
    assert.deepEqual(unknownRunInputKeys({ goal: 'g', plan: { tasks: [task] } }), []);
  });
});

describe('a plan against the policy the flags give', () => {
  const policy = WorkspacePolicy.parse({ commands: ['npm test'], verify: ['npm test'], allowPaths: ['src/**'] });
  const plan = {
    tasks: [
      {
        ...Plan.parse({ goal: 'g', tasks: [task] }).tasks[0]!,
        verify: ['python3 -m unittest'],
        allowPaths: ['lib/**'],
      },
    ],
  };

  it('lists every problem and the flags that would make it fit', () => {
    const problems = planPolicyProblems(policy, plan);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /task a: verify "python3 -m unittest" is not an allowed command/);
    assert.deepEqual(flagsThatFit(policy, plan), ['--command "python3 -m unittest"', '--allow "lib/**"']);
  });
});

describe("a model's answer without a strict schema", () => {
  it('has its unknown keys named, where zod would drop them', () => {
    const answer = {
      tasks: [
        {
          id: 'a',
          title: 'A',
          description: '',
          deps: [],
          agentType: 'general',
          effort: 1,
          acceptanceCriteria: ['x'],
          artifacts: [],
          verify: ['npm test'],
        },
      ],
    };
    assert.deepEqual(unknownKeysIn(PlanDraft, answer), [
      'tasks.0: unknown key "verify" (known keys here: id, title, description, deps, agentType, effort, acceptanceCriteria, artifacts)',
    ]);
    assert.deepEqual(unknownKeysIn(PlanDraft, { tasks: [] }), []);
  });
});
