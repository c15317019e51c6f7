import { z } from 'zod';

/** Payload of the `approveBudget` signal: grant more credits to a task that waits for them. */
export const ApproveBudget = z.object({
  taskId: z.string().min(1).describe('Task waiting for approval'),
  credits: z.number().positive().finite().describe('Credits to add to the task (and to the run budget)'),
  by: z.string().max(200).optional().describe('Who approves, for the audit trail'),
  note: z.string().max(2000).optional().describe('Why, for the audit trail'),
});
export type ApproveBudget = z.infer<typeof ApproveBudget>;

/** Payload of the `denyBudget` signal: the task fails with the reason and its dependents are skipped. */
export const DenyBudget = z.object({
  taskId: z.string().min(1).describe('Task waiting for approval'),
  reason: z.string().min(1).max(2000).describe('Why the credits are refused; becomes the task failure reason'),
  by: z.string().max(200).optional().describe('Who denies, for the audit trail'),
});
export type DenyBudget = z.infer<typeof DenyBudget>;

/** Child to parent: the task cannot afford its next call. */
export const CreditRequest = z.object({
  taskId: z.string().describe('Task asking'),
  shortfallMillicredits: z.number().int().positive().describe('Credits missing for the next call, in thousandths'),
});
export type CreditRequest = z.infer<typeof CreditRequest>;

/** Parent to child: the outcome of a credit request. */
export const CreditDecision = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('granted').describe('Credits were added'),
    millicredits: z.number().int().positive().describe('Credits granted, in thousandths'),
  }),
  z.object({ kind: z.literal('denied').describe('The request was refused'), reason: z.string().describe('Why') }),
]);
export type CreditDecision = z.infer<typeof CreditDecision>;
