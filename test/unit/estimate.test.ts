import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { estimatePlan } from '../../src/client/estimate';
import { loadModelSettings } from '../../src/config';
import { BUILTIN_AGENT_TYPES } from '../../src/domain/agents';
import { validatePlan } from '../../src/domain/plan-validation';
import { diamondPlan } from '../helpers/plans';

const settings = loadModelSettings({ OPENAI_BASE_URL: 'http://localhost:9/v1' }, tmpdir());
const check = validatePlan(diamondPlan(), BUILTIN_AGENT_TYPES);
assert.ok(check.ok);
const options = { planningMillicredits: 500, maxReviewRounds: 3, reviewPanelSize: 3 };

describe('plan estimate', () => {
  it('projects one round per task plus planning, and the worst case as every round', () => {
    const e = estimatePlan(check.plan, settings, options);
    const round = e.perTask.reduce((sum, t) => sum + t.roundMillicredits, 0);
    assert.equal(e.projectedMillicredits, 500 + round);
    assert.equal(e.worstCaseMillicredits, 500 + 3 * round);
    assert.deepEqual(
      e.perTask.map((t) => t.taskId),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it("counts the run's constraints in every implementer and reviewer prompt, as the run will send them", () => {
    const without = estimatePlan(check.plan, settings, options);
    const withConstraints = estimatePlan(check.plan, settings, {
      ...options,
      constraints: ['Use only the standard library of the language, never a third-party package of any kind'],
    });
    for (const [i, t] of withConstraints.perTask.entries()) {
      assert.ok(t.roundMillicredits > without.perTask[i]!.roundMillicredits, `task ${t.taskId} costs more`);
    }
  });
});
