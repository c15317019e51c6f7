import { z } from 'zod';
import { CommitId, RepoLocation } from './workspace';
import { WorkspacePolicy } from './workspace-policy-schema';

/**
 * A run's git workspace as the run sees it: what the user asked for (a field of GoalInput), what the run fixed at its
 * start (repository, base commit, policy: recorded in history), what each task leaves (its branch) and what the run
 * ends with (the integrated, verified result branch).
 */

/** Most files of a task's change listed in its outcome and in its dependents' prompts. */
export const MAX_CHANGED_FILES_LISTED = 200;
/** Most seconds an activity waits for the worker holding a task's checkout before the task moves elsewhere. */
export const DEFAULT_WORKER_TIMEOUT_SECONDS = 60;

/** The `workspace` field of a run's input: the user's flags. */
export const RunWorkspaceInput = z
  .strictObject({
    repo: RepoLocation.optional().describe(
      "The repository to work on (--repo): a path or URL; absent: a new repository is made for the run's files",
    ),
    base: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        "What tasks start from (--base): branch, tag or commit, resolved once at start; default the remote's HEAD",
      ),
    policy: WorkspacePolicy.default(() => WorkspacePolicy.parse({})).describe(
      'Tools, command allowlist, writable paths, verify commands and limits (narrowed by each worker’s ceiling)',
    ),
    setup: z
      .array(z.string().min(1).max(2000))
      .max(10)
      .default([])
      .describe('Commands run once per checkout before the agent starts, with network (--setup, e.g. npm ci)'),
    workerTimeoutSeconds: z
      .number()
      .int()
      .min(2)
      .max(3600)
      .default(DEFAULT_WORKER_TIMEOUT_SECONDS)
      .describe('How long a step waits for the worker holding the checkout before the task moves to another worker'),
    continueAfterEvents: z
      .number()
      .int()
      .min(200)
      .max(40_000)
      .optional()
      .describe('History length past which a task continues as new between rounds; default 4,000 events'),
    workerWaitNoticeSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe('How long the run waits for a worker to open its workspace before it says so; default 60'),
  })
  .describe("The run's git workspace; absent: agents answer in text only");
export type RunWorkspaceInput = z.infer<typeof RunWorkspaceInput>;

/** What the run fixed when it opened its workspace; recorded in history and handed to every task. */
export const OpenedWorkspace = z.object({
  remote: z.string().describe("The run's repository every worker fetches from and pushes to"),
  base: CommitId.describe('The commit tasks start from'),
  baseRef: z.string().describe('What the base was resolved from'),
  created: z.boolean().describe('True when Planwright created the repository for this run'),
  policy: WorkspacePolicy.describe("The run's policy: the user's flags within the worker's ceiling"),
  notes: z.array(z.string()).describe('What the ceiling dropped from the user’s flags'),
  sandbox: z.enum(['bwrap', 'none']).describe("How commands run: 'none' only on the worker operator's explicit opt-in"),
  mcpTools: z
    .array(
      z.object({
        server: z.string().describe('The configured server'),
        name: z.string().describe("The tool's name on its server"),
        qualifiedName: z.string().describe('mcp__<server>__<tool>: the name the model calls it by'),
        description: z.string().describe("The server's description"),
        inputSchema: z.record(z.string(), z.unknown()).describe("The JSON schema of the tool's arguments"),
        idempotent: z.boolean().describe('A call that may have run may be made again'),
        requiresApproval: z.boolean().describe("Calls wait for a person's approval"),
      }),
    )
    .optional()
    .describe(
      "The MCP servers' tools as listed when the run opened (recorded, so a server that changes cannot break replay)",
    ),
});
export type OpenedWorkspace = z.infer<typeof OpenedWorkspace>;

/** What a task left in the run's repository. */
export const TaskWork = z.object({
  branch: z.string().describe('planwright/<runId>/<taskId> in the run repository'),
  commit: CommitId.describe("The task branch's last commit"),
  startCommit: CommitId.describe('Where the task started: the base, or the merge of its dependencies'),
  changedFiles: z.array(z.string()).describe(`Files the task changed, at most ${MAX_CHANGED_FILES_LISTED}`),
  steps: z.number().int().describe('Tool steps the agent took, over every round'),
  commits: z.number().int().describe('Commits the task pushed (one per step that changed files)'),
});
export type TaskWork = z.infer<typeof TaskWork>;

/** How the run's integration ended: the result branch, or why there is none. */
export const IntegrationResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true).describe('Every succeeded task merged and the run-wide verify passed'),
    branch: z.string().describe('The result branch: planwright/<runId>/_result'),
    commit: CommitId.describe('Its commit'),
    merged: z.array(z.string()).describe('Task ids merged, in order'),
    checks: z
      .array(z.string())
      .optional()
      .describe(
        "Checks the merged result passed: the run's and every merged task's, each once; empty: none ran. Absent in runs recorded before checks were listed",
      ),
  }),
  z.object({
    ok: z.literal(false).describe('No verified result: the run ends partial'),
    reason: z.enum(['conflict', 'verify-failed', 'nothing-to-merge', 'error']).describe('Why'),
    message: z.string().describe('What conflicted or failed, for people'),
    conflicts: z.array(z.string()).describe('Conflicting paths, when a merge conflicted'),
  }),
]);
export type IntegrationResult = z.infer<typeof IntegrationResult>;

/**
 * The checks a run's merged result must pass: the run's own and those of every task merged into it (a task's `verify`
 * in its plan entry), each once, in that order. Siblings that pass alone can break each other: only the merge shows it.
 */
export function integrationChecks(
  runChecks: readonly string[],
  merged: readonly { verify?: readonly string[] | undefined }[],
): string[] {
  return [...new Set([...runChecks, ...merged.flatMap((t) => t.verify ?? [])])];
}

/** How the CLI and the page say what a result passed: never "verified" when no check ran on it. */
export function describeResultChecks(result: Extract<IntegrationResult, { ok: true }>): string {
  if (result.checks === undefined) return 'checks not recorded';
  if (result.checks.length === 0) return 'no checks ran on it';
  return `verified: passed ${result.checks.join(', ')}`;
}

/** The workspace part of a run's report. */
export const RunWorkspaceView = z.object({
  remote: z.string().describe("The run's repository"),
  base: CommitId.describe('The base commit'),
  integration: IntegrationResult.optional().describe('Set when the run ended'),
});
export type RunWorkspaceView = z.infer<typeof RunWorkspaceView>;

export { workspaceQueueOf } from './task-queues';
