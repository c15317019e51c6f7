import { z } from 'zod';

/** Live state of one task workflow, answered by its `taskProgress` query. */
export const TaskProgress = z.object({
  taskId: z.string().describe('Task id'),
  phase: z
    .enum(['implementing', 'verifying', 'reviewing', 'awaiting_approval', 'done'])
    .describe('What the task is doing now'),
  round: z.number().int().describe('Current review round, from 1'),
  maxRounds: z
    .number()
    .int()
    .optional()
    .describe('Rounds the task may use in all (absent from tasks started before it was reported)'),
  availableMillicredits: z.number().int().describe('Allocation plus grants, in thousandths of a credit'),
  spentMillicredits: z.number().int().describe('Spent so far, in thousandths'),
  modelCalls: z.number().int().describe('Model calls so far'),
  refusedSignals: z
    .number()
    .int()
    .optional()
    .describe('Credit decisions refused: not for a request this task made (forged or stale)'),
  steps: z.number().int().optional().describe('Tool steps taken so far (acting agents)'),
  lastStep: z.string().optional().describe('The last tool step, in one line, e.g. "run npm test → exit 1"'),
});
export type TaskProgress = z.infer<typeof TaskProgress>;
