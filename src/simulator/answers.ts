import type { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import type { PlanDraft } from '../domain/plan';
import { HEADINGS, type ChatMessage } from '../domain/prompts';

/**
 * Plausible, deterministic answers for Planwright's own prompts, read from their stable section headings, and a
 * schema-following answer for anything else.
 */

/** The lines under a prompt's `heading`, up to the next top-level heading; none when the heading is absent. */
export function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^# /.test(line)) break;
    out.push(line);
  }
  return out;
}

const lastUser = (messages: readonly ChatMessage[]) =>
  [...messages].reverse().find((m) => m.role === 'user' && !m.content.startsWith('Your previous answer'))?.content ??
  '';
const firstUser = (messages: readonly ChatMessage[]) => messages.find((m) => m.role === 'user')?.content ?? '';

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function planAnswer(messages: readonly ChatMessage[], taskCount?: number): PlanDraft {
  const prompt = firstUser(messages);
  const goal = shorten(section(prompt, HEADINGS.goal).join(' '), 120) || 'the goal';
  const agents = section(prompt, HEADINGS.agentTypes)
    .map((l) => /^- ([a-z0-9_-]+):/.exec(l)?.[1])
    .filter((a): a is string => !!a);
  const pick = (wanted: string) => (agents.includes(wanted) ? wanted : (agents[0] ?? 'general'));
  if (taskCount !== undefined) return syntheticPlan(goal, taskCount, pick('general'));
  const task = (
    id: string,
    title: string,
    deps: string[],
    agentType: string,
    effort: number,
    criteria: string[],
    artifacts: string[],
  ) => ({
    id,
    title,
    description: `${title} for: ${goal}`,
    deps,
    agentType: pick(agentType),
    effort,
    acceptanceCriteria: criteria,
    artifacts,
  });
  return {
    tasks: [
      task(
        't1',
        'Analyse the requirements',
        [],
        'research',
        2,
        ['Lists the requirements and open questions'],
        ['requirements.md'],
      ),
      task(
        't2',
        'Design the solution',
        ['t1'],
        'general',
        3,
        ['Describes components and their interfaces'],
        ['design.md'],
      ),
      task(
        't3',
        'Implement the core',
        ['t2'],
        'code',
        4,
        ['Implements every component of the design'],
        ['src/core.ts'],
      ),
      task('t4', 'Write the tests', ['t2'], 'test', 3, ['Covers the main paths and edge cases'], ['test/core.test.ts']),
      task('t5', 'Document the result', ['t3', 't4'], 'docs', 2, ['Explains usage with an example'], ['README.md']),
    ],
  };
}

/** A layered DAG of any size, for load tests: each task depends on up to two tasks of the previous layer. */
function syntheticPlan(goal: string, count: number, agentType: string): PlanDraft {
  const width = Math.max(1, Math.round(Math.sqrt(count)));
  const tasks: PlanDraft['tasks'] = [];
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / width);
    const deps = layer === 0 ? [] : [`t${(layer - 1) * width + (i % width) + 1}`];
    tasks.push({
      id: `t${i + 1}`,
      title: `Step ${i + 1}`,
      description: `Step ${i + 1} of: ${goal}`,
      deps,
      agentType,
      effort: 1 + (i % 5),
      acceptanceCriteria: ['The step is complete'],
      artifacts: [],
    });
  }
  return { tasks };
}

function taskHeader(prompt: string): { id: string; title: string } {
  const m = new RegExp(`^${HEADINGS.task} ([^:]+): (.*)$`, 'm').exec(prompt);
  return { id: m?.[1] ?? 'task', title: m?.[2] ?? 'the task' };
}

function criteriaOf(prompt: string): string[] {
  return section(prompt, HEADINGS.criteria)
    .map((l) => /^\d+\. (.*)$/.exec(l)?.[1])
    .filter((c): c is string => !!c);
}

export function implementationAnswer(messages: readonly ChatMessage[]): ImplementerOutput {
  const prompt = lastUser(messages);
  const { id, title } = taskHeader(prompt);
  const criteria = criteriaOf(prompt);
  const artifacts = section(prompt, HEADINGS.artifacts)
    .map((l) => /^- (.*)$/.exec(l)?.[1])
    .filter((a): a is string => !!a);
  const feedback = prompt.includes(HEADINGS.feedback);
  const body = [
    `# ${title}`,
    '',
    ...criteria.map((c) => `- Done: ${c}.`),
    ...(feedback ? ['', 'Revised to address every fix the reviewer required.'] : []),
  ].join('\n');
  return {
    summary: `${title} (${id}) is complete${feedback ? ' and revised after review' : ''}; it meets ${criteria.length} acceptance criteria.`,
    artifacts: (artifacts.length > 0 ? artifacts : [`${id}.md`]).map((name) => ({
      name,
      kind: /\.(ts|js|py|go|rs)$/.test(name) ? 'code' : 'doc',
      content: body,
    })),
    notes: 'Produced by the Planwright simulator.',
  };
}

export function reviewAnswer(messages: readonly ChatMessage[], verdict: 'PASS' | 'FAIL'): ReviewVerdict {
  const prompt = lastUser(messages);
  const criteria = criteriaOf(prompt);
  const { title } = taskHeader(prompt);
  return {
    verdict,
    criteria: criteria.map((criterion, i) => ({
      criterion,
      met: verdict === 'PASS' || i > 0,
      reason: verdict === 'PASS' || i > 0 ? 'The output states it explicitly.' : 'The output does not show this yet.',
    })),
    fixesRequired: verdict === 'PASS' ? [] : [`Show evidence for: ${criteria[0] ?? 'the first criterion'}`],
    summary: verdict === 'PASS' ? `${title} meets every criterion.` : `${title} misses a criterion.`,
  };
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
};

/** Any other schema: the smallest value that follows it. */
export function schemaAnswer(schema: JsonSchema, root: JsonSchema = schema, depth = 0): unknown {
  if (depth > 20) return null;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    const target = root.definitions?.[name] ?? root.$defs?.[name];
    return target ? schemaAnswer(target, root, depth + 1) : null;
  }
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf?.[0]) return schemaAnswer(schema.anyOf[0], root, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, schemaAnswer(v, root, depth + 1)]),
      );
    case 'array':
      return schema.items ? [schemaAnswer(schema.items, root, depth + 1)] : [];
    case 'string':
      return 'simulated';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}
