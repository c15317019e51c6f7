import { z } from 'zod';
import { TOOL_NAMES } from './tools';

/**
 * Agents are data: a type name, what it is for, and the system prompt it runs with. Model settings per agent type come
 * from the project config (see src/activities/model/settings.ts); the registry here is the built-in default set.
 */
export const AgentSpec = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/)
    .describe('Name used in plans as agentType'),
  description: z.string().describe('What the agent is good at; shown to the planner so it can assign tasks'),
  instructions: z.string().describe('System prompt of the agent'),
  tools: z
    .array(z.enum(TOOL_NAMES))
    .optional()
    .describe(
      "Runs with a workspace: the tools this agent may use, within the run's policy (finish always); unset: all",
    ),
});
export type AgentSpec = z.infer<typeof AgentSpec>;

export const OUTPUT_RULES =
  'Return the complete work as artifacts, never a placeholder or a description of work to be done later. ' +
  'Meet every acceptance criterion explicitly. When reviewer feedback is given, address each required fix.';

export const GENERAL_INSTRUCTIONS = `You are a pragmatic generalist. Complete the task precisely and concisely. ${OUTPUT_RULES}`;
export const CODE_INSTRUCTIONS = `You are a senior software engineer. Write correct, idiomatic, runnable code with minimal dependencies and clear names. ${OUTPUT_RULES}`;
export const REFACTOR_INSTRUCTIONS = `You are a careful refactoring specialist. Preserve behaviour, return patch-style artifacts and a summary of every change. ${OUTPUT_RULES}`;
export const TEST_INSTRUCTIONS = `You write focused automated tests with clear arrange/act/assert steps, covering the main paths and the edge cases that matter. ${OUTPUT_RULES}`;
export const DOCS_INSTRUCTIONS = `You write clear technical documentation for the stated audience: accurate, structured, with examples. ${OUTPUT_RULES}`;
export const DATA_EXTRACTION_INSTRUCTIONS = `You extract structured data faithfully from the given material, never inventing values, and state what could not be found. ${OUTPUT_RULES}`;
export const RESEARCH_INSTRUCTIONS = `You research and synthesise: state findings with their basis, separate facts from judgement, and list open questions. ${OUTPUT_RULES}`;

export const BUILTIN_AGENTS: readonly AgentSpec[] = [
  { type: 'general', description: 'Any task without a better specialist', instructions: GENERAL_INSTRUCTIONS },
  { type: 'code', description: 'Writing new code: modules, functions, scripts', instructions: CODE_INSTRUCTIONS },
  {
    type: 'refactor',
    description: 'Changing existing code without changing behaviour',
    instructions: REFACTOR_INSTRUCTIONS,
  },
  { type: 'test', description: 'Unit, integration and property tests', instructions: TEST_INSTRUCTIONS },
  { type: 'docs', description: 'READMEs, guides, API docs, reports', instructions: DOCS_INSTRUCTIONS },
  {
    type: 'data_extraction',
    description: 'Pulling structured data out of documents',
    instructions: DATA_EXTRACTION_INSTRUCTIONS,
  },
  {
    type: 'research',
    description: 'Investigating options and summarising findings',
    instructions: RESEARCH_INSTRUCTIONS,
  },
];

export const PLANNER_INSTRUCTIONS =
  'You are a senior project planner. Decompose the goal into a DAG of small, independently reviewable tasks. ' +
  'Each task names its dependencies by id, the specialist agent type that should do it, an effort from 1 to 5, ' +
  'the artifacts it produces, and acceptance criteria a reviewer can verify from the output alone. ' +
  'Prefer parallel branches where the work allows; never create cycles.';

export const REVIEWER_INSTRUCTIONS =
  'You are a strict reviewer. Judge the output against each acceptance criterion in turn, citing evidence. ' +
  'The verdict is PASS only when every criterion is met and the output respects every listed constraint. ' +
  'On FAIL, list the concrete fixes required.';

/** Merges configured agents over the built-in ones (same type replaces); returns the registry by type. */
export function createAgentRegistry(extra: readonly AgentSpec[] = []): ReadonlyMap<string, AgentSpec> {
  const registry = new Map<string, AgentSpec>();
  for (const agent of [...BUILTIN_AGENTS, ...extra]) registry.set(agent.type, agent);
  return registry;
}

/** Agent types known without any configuration. */
export const BUILTIN_AGENT_TYPES: readonly string[] = BUILTIN_AGENTS.map((a) => a.type);
