import { z } from 'zod';
import {
  MAX_CRITERIA,
  MAX_CRITERION_CHARS,
  MAX_DEPS,
  MAX_DESCRIPTION_CHARS,
  MAX_GOAL_CHARS,
  MAX_TASKS,
  MAX_TITLE_CHARS,
} from './limits';
import { TASK_ID_PATTERN } from './task-id';

export { TASK_ID_PATTERN };

export const TaskSpec = z.object({
  id: z
    .string()
    .regex(TASK_ID_PATTERN, 'use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit')
    .describe('Stable id, unique within the plan; the child workflow id is <runId>/<id>'),
  title: z
    .string()
    .trim()
    .min(1)
    .max(MAX_TITLE_CHARS)
    .describe('Short imperative title shown in reports and the Web UI'),
  description: z.string().max(MAX_DESCRIPTION_CHARS).default('').describe('What the implementer must do, in detail'),
  deps: z.array(z.string()).max(MAX_DEPS).default([]).describe('Ids of tasks that must succeed before this one starts'),
  agentType: z
    .string()
    .default('general')
    .describe('Specialist agent that implements the task (see the agent registry)'),
  effort: z.number().int().min(1).max(5).default(2).describe('Relative effort from 1 (trivial) to 5 (large)'),
  acceptanceCriteria: z
    .array(z.string().trim().min(1).max(MAX_CRITERION_CHARS))
    .min(1)
    .max(MAX_CRITERIA)
    .describe('Checks the reviewer holds the output to; each must be verifiable from the output'),
  artifacts: z
    .array(z.string().max(200))
    .max(20)
    .default([])
    .describe('Names of the artifacts the task should produce'),
  critical: z.boolean().default(false).describe('Critical tasks are judged by a review panel deciding by majority'),
  allowPaths: z
    .array(z.string())
    .max(50)
    .optional()
    .describe("Runs with a workspace: globs this task may write, within the run's (it may only narrow them)"),
  verify: z
    .array(z.string())
    .max(10)
    .optional()
    .describe("Runs with a workspace: checks added to the run's for this task; each must be an allowed command"),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const Plan = z.object({
  goal: z.string().trim().min(1).max(MAX_GOAL_CHARS).describe('The goal the plan serves'),
  tasks: z.array(TaskSpec).min(1).max(MAX_TASKS).describe('Tasks of the DAG, in any order'),
});
export type Plan = z.infer<typeof Plan>;
/** A plan as written by a person or tool, before defaults are applied. */
export type PlanInput = z.input<typeof Plan>;

/**
 * What the planner model must return. Every field is required and has no default, as strict structured output
 * demands; `toPlan` turns it into a `Plan`, and plan validation then checks the graph.
 */
export const PlanDraft = z.object({
  tasks: z
    .array(
      z.object({
        id: z.string().describe('Short id such as "t1"; letters, digits, "_", "." or "-"'),
        title: z.string().describe('Short imperative title'),
        description: z.string().describe('What to do, in enough detail for a specialist to act alone'),
        deps: z.array(z.string()).describe('Ids of tasks whose output this task needs'),
        agentType: z.string().describe('One of the agent types listed in the instructions'),
        effort: z.number().int().describe('Effort from 1 (trivial) to 5 (large)'),
        acceptanceCriteria: z.array(z.string()).describe('Verifiable checks for the reviewer'),
        artifacts: z.array(z.string()).describe('Names of the artifacts this task produces'),
      }),
    )
    .describe('Tasks forming a DAG through deps'),
});
export type PlanDraft = z.infer<typeof PlanDraft>;
