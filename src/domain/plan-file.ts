import { z } from 'zod';
import { MAX_TASKS } from './limits';
import { Plan, TaskSpec } from './plan';
import { formatIssues, validatePlan, type PlanCheck } from './plan-validation';
import { GoalInput } from './run';
import { unknownKeyMessages } from './unknown-keys';

/**
 * A plan as a person writes it in a file, checked at the edge (reading a plan file, the client's input check, the
 * planner's answer) as strictly as the config file: a misspelt key (`verfy`) is refused with the key it most likely
 * meant, instead of vanishing and taking a task's checks with it. The `Plan` that workflows parse stays as it was, so
 * recorded runs replay. A list written as one string (`"verify": "npm test"`) is a list of one, as `constraints` is.
 */

/** A list a person may write as one string. */
const listOrOne = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (typeof value === 'string' ? [value] : value), schema);

const shape = TaskSpec.shape;

export const PlanFileTask = TaskSpec.extend({
  deps: listOrOne(shape.deps),
  acceptanceCriteria: listOrOne(shape.acceptanceCriteria),
  artifacts: listOrOne(shape.artifacts),
  allowPaths: listOrOne(shape.allowPaths),
  verify: listOrOne(shape.verify),
}).strict();

export const PlanFile = Plan.extend({
  tasks: z.array(PlanFileTask).min(1).max(MAX_TASKS).describe('Tasks of the DAG, in any order'),
}).strict();

/** A plan inside a run's input: its goal may come from the run's. */
const PlanInRunInput = PlanFile.extend({ goal: Plan.shape.goal.optional() }).strict();

/** Messages for a zod failure, unknown keys with the closest known one. */
function issueMessages(schema: z.ZodType, error: z.ZodError, root: string): string[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? unknownKeyMessages(schema, issue.path, issue.keys).map((m) => `${root}: ${m}`)
      : formatIssues([issue], root),
  );
}

/** Checks a plan as written in a file (strictly), then its graph; the plan returned is what workflows will parse. */
export function checkPlanFile(json: unknown, knownAgentTypes: readonly string[]): PlanCheck {
  const parsed = PlanFile.safeParse(json);
  if (!parsed.success) return { ok: false, errors: issueMessages(PlanFile, parsed.error, 'plan') };
  return validatePlan(parsed.data, knownAgentTypes);
}

/**
 * Unknown keys of a run's input, at its top level and in its plan, each with the key it most likely meant; [] when
 * there are none. The workflow's own schema drops unknown keys (recorded runs must replay), so the edge refuses them.
 */
export function unknownRunInputKeys(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const known = Object.keys(GoalInput.shape);
  const top = Object.keys(input).filter((key) => !known.includes(key));
  const messages = top.length > 0 ? unknownKeyMessages(GoalInput, [], top) : [];
  const plan = (input as { plan?: unknown }).plan;
  if (plan !== undefined) {
    const parsed = PlanInRunInput.safeParse(plan);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.filter((i) => i.code === 'unrecognized_keys')) {
        messages.push(...unknownKeyMessages(PlanInRunInput, issue.path, issue.keys).map((m) => `plan: ${m}`));
      }
    }
  }
  return messages;
}

/** A run input's plan with the lists a person wrote as one string made lists; the rest as given. */
export function normalizePlanLists<T>(plan: T): T {
  const parsed = PlanInRunInput.safeParse(plan);
  return parsed.success ? (parsed.data as T) : plan;
}

/** The plan file format as JSON Schema, for editors (`planwright plan --schema`). */
export function planFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlanFile, { io: 'input', unrepresentable: 'any' }) as JsonSchemaObject;
  // The schema of a preprocessed field is its list's: say that one string is taken too.
  const task = (schema.properties?.tasks as JsonSchemaObject | undefined)?.items as JsonSchemaObject | undefined;
  for (const field of LIST_OR_ONE_FIELDS) {
    const list = task?.properties?.[field];
    if (list && task?.properties) {
      const { description, ...rest } = list as JsonSchemaObject & { description?: string };
      task.properties[field] = { description, anyOf: [rest, { type: 'string' }] };
    }
  }
  return schema;
}

interface JsonSchemaObject {
  properties?: Record<string, unknown>;
  items?: unknown;
  [key: string]: unknown;
}

const LIST_OR_ONE_FIELDS = ['deps', 'acceptanceCriteria', 'artifacts', 'allowPaths', 'verify'] as const;
