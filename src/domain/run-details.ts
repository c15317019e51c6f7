import { z } from 'zod';
import { RunView, TaskStatus, Verdict } from './run';
import { TaskProgress } from './task-progress';

/**
 * What a front end shows of one run beyond its status view: the plan as a graph with every task's state (also in
 * runs of 5,000 tasks, where the status view lists only the tasks that did not succeed), the critical path and the
 * credits spent over time. Built by src/client/run-details.ts from queries (live runs) or results and histories
 * (closed runs), so no worker is needed to look back.
 */

/** One task as a node of the run's graph: what the plan says and where it stands. */
export const GraphNode = z.object({
  id: z.string().describe('Task id'),
  title: z.string().describe('Task title from the plan'),
  agentType: z.string().describe('Agent type from the plan'),
  effort: z.number().int().describe('Effort from 1 (trivial) to 5 (large), from the plan'),
  deps: z.array(z.string()).describe('Ids of the tasks this one waits on'),
  status: TaskStatus,
});
export type GraphNode = z.infer<typeof GraphNode>;

/** One point of the run's spending curve. */
export const CreditPoint = z.object({
  at: z.string().describe('ISO time'),
  spentMillicredits: z.number().int().describe('Credits spent by the run up to this time, in thousandths'),
  budgetMillicredits: z.number().int().describe('Budget plus approved extra credits at this time, in thousandths'),
});
export type CreditPoint = z.infer<typeof CreditPoint>;

export const RunDetails = z.object({
  view: RunView.describe(
    "The run's status view: the status query while it runs, its result once it completed, rebuilt from its history when it failed or was stopped",
  ),
  live: z.boolean().describe('True while the run is open: its state comes from queries and will change'),
  closedAs: z
    .string()
    .optional()
    .describe('How a run that did not complete closed (failed, terminated, timed out, cancelled), with the reason'),
  result: z
    .string()
    .optional()
    .describe(
      "A workspace run's result once it ended: its branch and the checks it passed (never called verified when none ran), or why there is none",
    ),
  graph: z.array(GraphNode).describe('Every task of the plan in plan order, with its state; empty while planning'),
  criticalPath: z.array(z.string()).describe('Task ids of the longest dependency chain by effort, first to last'),
  credits: z
    .array(CreditPoint)
    .describe(
      'Spending over time, oldest first: the start, planning, one point per task end and per approval of extra credits, and now for a live run; at most 500 points',
    ),
  webUiUrl: z.string().describe("Link to the run's workflow in the Temporal Web UI"),
});
export type RunDetails = z.infer<typeof RunDetails>;

/** One model call of a task, as its activity recorded it. */
export const ModelCallDetail = z.object({
  activity: z.string().describe('Activity that made it: implementTask, reviewTask, agentTurn, reviewWork, …'),
  round: z.number().int().optional().describe('Review round, when the activity says'),
  model: z.string().optional().describe('Model that answered'),
  inputTokens: z.number().int().describe('Prompt tokens over all attempts of the activity'),
  outputTokens: z.number().int().describe('Completion tokens over all attempts of the activity'),
  spentMillicredits: z.number().int().describe('Credits charged, in thousandths'),
  at: z.string().describe('ISO time the activity completed'),
});
export type ModelCallDetail = z.infer<typeof ModelCallDetail>;

/** One tool step of an acting task. */
export const ToolStepDetail = z.object({
  summary: z.string().describe('One line: the call and, once it ran, its outcome ("run npm test → exit 1")'),
  ok: z.boolean().optional().describe('False when the tool refused or failed; absent while it runs'),
  commit: z.string().optional().describe('Commit the step made, when it changed files'),
  at: z.string().describe('ISO time the step was scheduled'),
});
export type ToolStepDetail = z.infer<typeof ToolStepDetail>;

/** One verify command's result. */
export const VerifyDetail = z.object({
  command: z.string().describe('The verify command'),
  passed: z.boolean().describe('True when it exited 0'),
  exitCode: z.number().int().nullable().describe('Exit code, null when it was stopped'),
  outputTail: z.string().describe('The end of its output'),
});
export type VerifyDetail = z.infer<typeof VerifyDetail>;

/** One implement-and-review round of a task. */
export const RoundDetail = z.object({
  round: z.number().int().describe('Round number, from 1'),
  verdicts: z
    .array(
      z.object({
        verdict: Verdict,
        feedback: z.string().describe("The reviewer's feedback"),
        seat: z.number().int().describe('Reviewer seat of a panel, from 0'),
      }),
    )
    .describe("The reviewers' verdicts of this round"),
  steps: z.array(ToolStepDetail).describe('Tool steps of this round (acting tasks)'),
  verify: z.array(VerifyDetail).describe('Verify results of this round (acting tasks)'),
});
export type RoundDetail = z.infer<typeof RoundDetail>;

export const TaskDetails = z.object({
  runId: z.string().describe('Run the task belongs to'),
  taskId: z.string().describe('Task id'),
  workflowId: z.string().describe("The task's child workflow id"),
  started: z.boolean().describe('False when the task has no workflow yet (pending or skipped)'),
  live: z.boolean().describe('True while its workflow is open'),
  progress: TaskProgress.optional().describe('Its live progress query, while it runs'),
  rounds: z.array(RoundDetail).describe('Rounds, oldest first'),
  modelCalls: z.array(ModelCallDetail).describe('Metered model activities, oldest first'),
  output: z.string().optional().describe("The implementer's last output (text tasks), bounded"),
  diff: z.string().optional().describe("The task's diff against its start (acting tasks), bounded"),
  diffError: z
    .string()
    .optional()
    .describe('Why the diff could not be read (e.g. the repository is not reachable here)'),
  webUiUrl: z.string().describe("Link to the task's child workflow in the Temporal Web UI"),
});
export type TaskDetails = z.infer<typeof TaskDetails>;
