import { readFileSync } from 'node:fs';
import { loadModelSettings } from '../config';
import { createAgentRegistry } from '../domain/agents';
import type { Plan } from '../domain/plan';
import { checkPlanFile, normalizePlanLists, unknownRunInputKeys } from '../domain/plan-file';
import { flagsThatFit, planPolicyProblems } from '../domain/plan-policy';
import { formatIssues } from '../domain/plan-validation';
import { GoalInput, type ApproverRule, type GoalInputJson } from '../domain/run';
import { checkRunId } from '../domain/task-address';
import { WorkspacePolicy, type WorkspacePolicyInput } from '../domain/workspace-policy-schema';
import { UserError } from '../infra/errors';

/** Agent types known to this checkout: built-in ones plus those in planwright.config.json. */
export function knownAgentTypes(): string[] {
  let custom: ReturnType<typeof loadModelSettings>['customAgents'] = [];
  try {
    custom = loadModelSettings().customAgents;
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  return [...createAgentRegistry(custom).keys()];
}

/** Reads and validates a plan file before anything is started; every problem is listed with its path. */
export function readPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read plan file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UserError(`plan file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const check = checkPlanFile(json, knownAgentTypes());
  if (!check.ok) throw new UserError(`plan file ${file} is invalid:\n  ${check.errors.join('\n  ')}`);
  return check.plan;
}

/**
 * Validates a goalWorkflow input locally, so the CLI reports mistakes before starting anything: unknown keys (which the
 * workflow would drop) refused with the closest known one, lists written as one string made lists.
 */
export function checkGoalInput(input: GoalInputJson): GoalInput {
  const unknown = unknownRunInputKeys(input);
  if (unknown.length > 0) throw new UserError(`invalid run options:\n  ${unknown.join('\n  ')}`);
  const parsed = GoalInput.safeParse(input.plan ? { ...input, plan: normalizePlanLists(input.plan) } : input);
  if (!parsed.success) throw new UserError(`invalid run options:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  return parsed.data;
}

/**
 * Refuses a plan that does not fit the run's workspace policy, before anything starts (the run would fail at once),
 * naming the flags that would make it fit. The worker's ceiling may narrow the policy further; the run checks that.
 */
export function checkPlanFitsPolicy(plan: Plan | undefined, policyInput: WorkspacePolicyInput | undefined): void {
  if (!plan) return;
  if (!policyInput) {
    // Without a workspace nothing runs a task's checks: a plan that names some would be called done unchecked.
    const checked = plan.tasks.filter((t) => t.verify?.length || t.allowPaths?.length).map((t) => t.id);
    if (checked.length === 0) return;
    throw new UserError(
      `tasks ${checked.join(', ')} set verify or allowPaths, which hold only in a git workspace: add --repo PATH ` +
        '(or --workspace), or remove them from the plan',
    );
  }
  const parsed = WorkspacePolicy.safeParse(policyInput);
  if (!parsed.success) return; // The run input's own check names these problems.
  const problems = planPolicyProblems(parsed.data, plan);
  if (problems.length === 0) return;
  const flags = flagsThatFit(parsed.data, plan);
  throw new UserError(
    `the plan does not fit the run's policy:\n  ${problems.join('\n  ')}` +
      (flags.length > 0 ? `\nTo allow it, add: ${flags.join(' ')} (or change the plan's tasks)` : ''),
  );
}

export function parsePositiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new UserError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

export function parseNonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UserError(`${name} must be a number of at least 0, got "${value}"`);
    return n;
  };
}

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UserError(`${name} must be a whole number above 0, got "${value}"`);
    return n;
  };
}

/** `--id`: a workflow id that can be a run's (see checkRunId), refused with the fix before anything starts. */
export function parseRunId(value: string): string {
  const problem = checkRunId(value);
  if (problem) {
    throw new UserError(
      `--id ${JSON.stringify(value)}: ${problem}; choose another id (e.g. "release-42"), or leave --id out for a generated one`,
    );
  }
  return value;
}

/** `--approver` values: a name or "group:NAME", with "=N" to cap one approval at N credits. */
export function parseApprovers(values: readonly string[]): ApproverRule[] {
  return values.map((value) => {
    const at = value.lastIndexOf('=');
    const approver = (at < 0 ? value : value.slice(0, at)).trim();
    if (!approver)
      throw new UserError(`--approver "${value}" names nobody; use e.g. --approver ana or group:finance=50`);
    if (at < 0) return { approver };
    const maxCredits = Number(value.slice(at + 1));
    if (!Number.isFinite(maxCredits) || maxCredits <= 0) {
      throw new UserError(`--approver "${value}": the cap after "=" must be a positive number of credits, e.g. ana=50`);
    }
    return { approver, maxCredits };
  });
}

/** A `<runId>` argument: refused at once when it cannot be a run's id (e.g. a task's `<runId>/<taskId>`). */
export function parseRunIdArgument(value: string): string {
  const problem = checkRunId(value);
  if (problem) {
    throw new UserError(
      `${JSON.stringify(value)} is not a run id: ${problem}; name the run alone (a task is <runId> <taskId>)`,
    );
  }
  return value;
}
