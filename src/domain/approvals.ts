import { z } from 'zod';

/** A person's decision's id, chosen by their client and also the Update's id: the run applies an id once. */
export const DecisionId = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe("Id the client chose for this decision, also the Update's id: the run applies an id once");

/** Payload of the `approveBudget` signal: grant more credits to a task that waits for them. */
export const ApproveBudget = z.object({
  taskId: z.string().min(1).describe('Task waiting for approval'),
  credits: z.number().positive().finite().describe('Credits to add to the task (and to the run budget)'),
  by: z.string().max(200).optional().describe('Who approves, for the audit trail and the approver list'),
  groups: z
    .array(z.string().min(1).max(100))
    .max(20)
    .optional()
    .describe("The approver's groups, as an authenticating front end knows them; matched against group: entries"),
  note: z.string().max(2000).optional().describe('Why, for the audit trail'),
  decisionId: DecisionId,
});
export type ApproveBudget = z.infer<typeof ApproveBudget>;

/** Payload of the `denyBudget` signal: the task fails with the reason and its dependents are skipped. */
export const DenyBudget = z.object({
  taskId: z.string().min(1).describe('Task waiting for approval'),
  reason: z.string().min(1).max(2000).describe('Why the credits are refused; becomes the task failure reason'),
  by: z.string().max(200).optional().describe('Who denies, for the audit trail and the approver list'),
  groups: z
    .array(z.string().min(1).max(100))
    .max(20)
    .optional()
    .describe("The denier's groups, as an authenticating front end knows them; matched against group: entries"),
  decisionId: DecisionId,
});
export type DenyBudget = z.infer<typeof DenyBudget>;

/** Child to parent: the task cannot afford its next call. */
export const CreditRequest = z.object({
  taskId: z.string().min(1).describe('Task asking'),
  shortfallMillicredits: z
    .number()
    .int()
    .positive()
    .max(1e12)
    .describe('Credits missing for the next call, in thousandths'),
  requestId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Id the task gave this request; the answer must carry it (absent from tasks started before it existed)'),
});
export type CreditRequest = z.infer<typeof CreditRequest>;

/** Parent to child: the outcome of a credit request. */
export const CreditDecision = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('granted').describe('Credits were added'),
    millicredits: z.number().int().positive().describe('Credits granted, in thousandths'),
    requestId: z.string().optional().describe('The request this answers'),
  }),
  z.object({
    kind: z.literal('denied').describe('The request was refused'),
    reason: z.string().describe('Why'),
    requestId: z.string().optional().describe('The request this answers'),
  }),
]);
export type CreditDecision = z.infer<typeof CreditDecision>;

/**
 * What the run answers a person who approves or denies through the `approveBudget`/`denyBudget` Updates: the run's
 * own decision, so a refused approval is never reported as done.
 */
export const BudgetAnswer = z.object({
  accepted: z.boolean().describe('Whether the run took the decision'),
  taskId: z.string().describe('Task the decision was about'),
  millicredits: z.number().int().describe('Credits granted, in thousandths (0 for a denial or a refusal)'),
  reason: z.string().optional().describe('Why the run refused, when it did'),
  duplicate: z
    .boolean()
    .optional()
    .describe('The run had already taken a decision with this id: this is the first answer again, nothing changed'),
});
export type BudgetAnswer = z.infer<typeof BudgetAnswer>;

/** A message the run or a task refused: forged, out of protocol, or malformed. */
export const RefusedMessage = z.object({
  name: z.string().describe('Signal or update name'),
  taskId: z.string().optional().describe('Task it named, if any'),
  reason: z.string().describe('Why it was refused'),
  at: z.string().describe('ISO time (workflow time)'),
});
export type RefusedMessage = z.infer<typeof RefusedMessage>;

/**
 * Refused messages, bounded: every signal is a history event whatever the handler does, but the workflow's own state
 * must not grow with what anyone sends. Counted by name; only the last few are kept.
 */
export const RefusedMessages = z.object({
  count: z.number().int().describe('Messages refused so far'),
  byName: z.record(z.string(), z.number().int()).describe('Refused messages per signal or update name'),
  recent: z.array(RefusedMessage).describe('The last few refused messages, newest last'),
});
export type RefusedMessages = z.infer<typeof RefusedMessages>;
