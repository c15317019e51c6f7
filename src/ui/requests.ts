import { z } from 'zod';

/**
 * What the page sends with a decision. Never who decides: the server takes the name from the session (identity.ts).
 * Limits are the run's own (src/domain/approvals.ts), checked here too so a bad form is answered at once with the field.
 */

export const ApproveBudgetBody = z
  .object({
    taskId: z.string().min(1).max(300).describe('The waiting task'),
    credits: z.number().positive().max(1e9).describe('Credits to add to the task (not millicredits)'),
    note: z.string().max(2000).optional().describe('Why, recorded in the run'),
  })
  .strict();
export type ApproveBudgetBody = z.infer<typeof ApproveBudgetBody>;

export const DenyBudgetBody = z
  .object({
    taskId: z.string().min(1).max(300).describe('The waiting task'),
    reason: z.string().trim().min(1).max(2000).describe('Why not; the task fails with it'),
  })
  .strict();
export type DenyBudgetBody = z.infer<typeof DenyBudgetBody>;

export const ApproveToolCallBody = z
  .object({
    requestId: z.string().min(1).max(300).describe('The waiting call: "<taskId>/<stepId>"'),
    note: z.string().max(2000).optional().describe('Why, recorded in the run'),
  })
  .strict();
export type ApproveToolCallBody = z.infer<typeof ApproveToolCallBody>;

export const DenyToolCallBody = z
  .object({
    requestId: z.string().min(1).max(300).describe('The waiting call: "<taskId>/<stepId>"'),
    reason: z.string().trim().min(1).max(2000).describe('Why not; the agent reads it as the tool result'),
  })
  .strict();
export type DenyToolCallBody = z.infer<typeof DenyToolCallBody>;

export const RetryTaskBody = z
  .object({
    taskId: z.string().min(1).max(300).describe('The failed task (its skipped dependents come along)'),
    feedback: z.string().max(4000).optional().describe("The person's word for the task's next round"),
    credits: z.number().positive().max(1e9).optional().describe("Credits approved for the retry (to the run's pool)"),
  })
  .strict();
export type RetryTaskBody = z.infer<typeof RetryTaskBody>;

export const FinishRunBody = z
  .object({ reason: z.string().max(2000).optional().describe('Why, recorded in the run') })
  .strict();
export type FinishRunBody = z.infer<typeof FinishRunBody>;

/** The runs page's filter: `?status=…&limit=…`. */
export const RunsQuery = z.object({
  status: z.string().optional().describe('Only runs in this status (one of LISTABLE_STATUSES)'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Most runs listed'),
});
export type RunsQuery = z.infer<typeof RunsQuery>;
