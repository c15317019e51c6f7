import assert from 'node:assert/strict';
import { BUILTIN_AGENT_TYPES } from '../../src/domain/agents';
import { validatePlan } from '../../src/domain/plan-validation';
import type { TaskOutcome } from '../../src/domain/run';
import { RunLedger, type RunLedgerOptions } from '../../src/domain/run-ledger';
import { diamondPlan } from './plans';

/** The time every ledger test books at. */
export const LEDGER_AT = '2026-11-21T00:00:00.000Z';

/** A run's ledger over the diamond plan (a → (b, c) → d, and e alone), 100 credits, planning charged 2. */
export function diamondLedger(options: Partial<RunLedgerOptions> = {}): RunLedger {
  const l = new RunLedger({
    runId: 'run',
    goal: 'g',
    budgetMillicredits: 100_000,
    maxConcurrency: 10,
    reservePercent: 20,
    autoApproveMillicredits: 0,
    startedAt: LEDGER_AT,
    ...options,
  });
  const check = validatePlan(diamondPlan(), BUILTIN_AGENT_TYPES);
  assert.ok(check.ok);
  l.setPlan(check.plan, 2000, (id) => `run/${id}`);
  return l;
}

/** A task's outcome as its workflow would report it: one round, two calls. */
export const taskOutcome = (taskId: string, status: TaskOutcome['status'], spent = 500): TaskOutcome => ({
  taskId,
  status,
  summary: `${taskId} summary`,
  reviewRounds: 1,
  modelCalls: 2,
  spentMillicredits: spent,
  grantedMillicredits: 0,
  outputRef: { kind: 'taskHistory', workflowId: `run/${taskId}` },
});
