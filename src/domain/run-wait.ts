import { z } from 'zod';

/** Something a run waits for that only an operator can provide, shown by `status`, the page and the webhook. */
export const RunWait = z.object({
  what: z.enum(['workspace_worker']).describe('workspace_worker: no worker has taken the run’s workspace work'),
  queue: z.string().describe('The task queue whose workers the run waits for'),
  since: z.string().describe('ISO time the run started waiting (workflow time)'),
  text: z.string().describe('What is wrong and how to fix it'),
});
export type RunWait = z.infer<typeof RunWait>;
