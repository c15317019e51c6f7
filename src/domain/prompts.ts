import type { ImplementerOutput, ReviewVerdict } from './agent-outputs';
import type { AgentSpec } from './agents';
import { MAX_DEPENDENCY_CONTEXT_CHARS } from './limits';
import type { TaskSpec } from './plan';

/**
 * Prompt text for each call. The section headings are stable: people read them in request logs and cassettes, and
 * the simulator reads them to answer plausibly (see src/simulator/answers.ts).
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const HEADINGS = {
  goal: '# Goal',
  constraints: '# Constraints',
  agentTypes: '# Agent types',
  task: '# Task',
  criteria: '# Acceptance criteria',
  artifacts: '# Expected artifacts',
  dependencies: '# Output of dependencies',
  feedback: '# Reviewer feedback',
  personFeedback: '# Feedback from a person',
  output: '# Output to review',
} as const;

/** Opens the line of an acting implementer's prompt that lists the verify commands, as a JSON array. */
export const VERIFY_LINE_PREFIX = 'Verify commands (JSON): ';

export function constraintList(constraints: string | readonly string[] | undefined): string[] {
  if (constraints === undefined) return [];
  return (typeof constraints === 'string' ? [constraints] : [...constraints]).filter((c) => c.trim().length > 0);
}

/** The run's constraints as a prompt section, or nothing when there are none. */
function constraintsSection(constraints: readonly string[] | undefined): string[] {
  if (!constraints || constraints.length === 0) return [];
  return [HEADINGS.constraints, ...constraints.map((c) => `- ${c}`), ''];
}

export function plannerMessages(args: {
  instructions: string;
  goal: string;
  constraints: readonly string[];
  agents: readonly AgentSpec[];
}): ChatMessage[] {
  const lines = [HEADINGS.goal, args.goal, ''];
  lines.push(...constraintsSection(args.constraints));
  lines.push(HEADINGS.agentTypes, ...args.agents.map((a) => `- ${a.type}: ${a.description}`));
  return [
    { role: 'system', content: args.instructions },
    { role: 'user', content: lines.join('\n') },
  ];
}

export interface DependencyContext {
  taskId: string;
  title: string;
  summary: string;
  /** Files the dependency changed in the run's repository (runs with a workspace): the task starts from them. */
  changedFiles?: string[];
}

function taskSection(task: TaskSpec): string[] {
  return [
    `${HEADINGS.task} ${task.id}: ${task.title}`,
    task.description,
    '',
    HEADINGS.criteria,
    ...task.acceptanceCriteria.map((c, i) => `${i + 1}. ${c}`),
    '',
  ];
}

/**
 * What the implementer hears about its last round: the reviewer's (or the verify gate's) verdict, and on the first
 * round of a retried task the person's word on the failed attempt, with round 0.
 */
export interface RoundFeedback {
  round: number;
  verdict: ReviewVerdict;
  person?: { by: string; text: string };
}

export function implementerMessages(args: {
  agent: AgentSpec;
  task: TaskSpec;
  goal: string;
  dependencies: readonly DependencyContext[];
  /** The run's constraints: every one must hold for the work. */
  constraints?: readonly string[] | undefined;
  feedback?: RoundFeedback | undefined;
}): ChatMessage[] {
  const lines = [`${HEADINGS.goal}`, args.goal, '', ...constraintsSection(args.constraints), ...taskSection(args.task)];
  if (args.task.artifacts.length > 0) lines.push(HEADINGS.artifacts, ...args.task.artifacts.map((a) => `- ${a}`), '');
  if (args.dependencies.length > 0) {
    lines.push(HEADINGS.dependencies);
    let budget = MAX_DEPENDENCY_CONTEXT_CHARS;
    for (const dep of args.dependencies) {
      const files = dep.changedFiles?.length
        ? `\nFiles it changed (already in your checkout): ${dep.changedFiles.join(', ')}`
        : '';
      const text = `## ${dep.taskId}: ${dep.title}\n${dep.summary}${files}`;
      // Context is bounded so that wide fan-ins cannot blow the prompt; later dependencies are cut first.
      if (text.length > budget) {
        lines.push(`## ${dep.taskId}: ${dep.title}\n(omitted: dependency context limit reached)`);
        continue;
      }
      budget -= text.length;
      lines.push(text);
    }
    lines.push('');
  }
  if (args.feedback) {
    const v = args.feedback.verdict;
    const { person } = args.feedback;
    // A retried task's first round: the person's word, then the reviewer's last word on the failed attempt.
    if (person) lines.push(`${HEADINGS.personFeedback} (${person.by}, retrying the task)`, person.text, '');
    lines.push(
      args.feedback.round > 0
        ? `${HEADINGS.feedback} (round ${args.feedback.round}: ${v.verdict})`
        : `${HEADINGS.feedback} (the previous attempt: ${v.verdict})`,
      v.summary,
      'Fixes required:',
      ...v.fixesRequired.map((f) => `- ${f}`),
      ...v.criteria.filter((c) => !c.met).map((c) => `- unmet: ${c.criterion} (${c.reason})`),
      '',
    );
  }
  return [
    { role: 'system', content: args.agent.instructions },
    { role: 'user', content: lines.join('\n') },
  ];
}

export function reviewerMessages(args: {
  instructions: string;
  task: TaskSpec;
  output: ImplementerOutput;
  /** The run's constraints: output that breaks one fails review. */
  constraints?: readonly string[] | undefined;
}): ChatMessage[] {
  const lines = [
    ...taskSection(args.task),
    ...constraintsSection(args.constraints),
    HEADINGS.output,
    JSON.stringify(args.output, null, 2),
  ];
  return [
    { role: 'system', content: args.instructions },
    { role: 'user', content: lines.join('\n') },
  ];
}

/** The message that opens a repair round: the model's own answer, then exactly what was wrong with it. */
export function repairMessage(errors: readonly string[]): ChatMessage {
  return {
    role: 'user',
    content:
      'Your previous answer did not match the required JSON schema. Fix these problems and answer again with the ' +
      `complete JSON object only:\n${errors.map((e) => `- ${e}`).join('\n')}`,
  };
}
