import { condition, log, patched, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { taskFailedWaiting } from '../../domain/notifications';
import type { RunLedger } from '../../domain/run-ledger';
import { FinishRun, RetryTasks, type HoldAnswer } from '../../domain/task-failures';
import {
  finishRun,
  holdTimedOut,
  holdTimeoutSeconds,
  refuseHoldDecision,
  repeatedHoldDecision,
  retryTasks,
  startHolding,
} from '../../domain/task-retry';
import { finishRunSignal, finishRunUpdate, retryTasksSignal, retryTasksUpdate } from '../messages';
import { tell } from './notify';
import { invalidPayload } from './task-answers';

/** What holding and its decisions need from the run. */
export interface HoldContext {
  runId: string;
  goal: string;
  ledger: RunLedger;
  publish: () => void;
  now: () => string;
}

/**
 * A person's decisions about failed tasks: `retryTasks` and `finishRun`, each an Update (the caller gets the run's
 * answer) and a signal (the fallback under the same decision id, and what `temporal workflow signal` sends). Messages
 * may come from anyone who may signal the namespace, with any shape: each is parsed, checked against the approver
 * list, applied once per decision id, and recorded whether taken or refused (src/domain/task-retry.ts).
 */
export function registerHoldHandlers({ ledger, publish, now }: HoldContext): void {
  const decide = <T>(
    name: 'retryTasks' | 'finishRun',
    schema: z.ZodType<T>,
    apply: (message: T, at: string) => HoldAnswer,
  ) => {
    return (raw: unknown): HoldAnswer => {
      const parsed = schema.safeParse(raw);
      const at = now();
      let answer: HoldAnswer;
      if (!parsed.success) {
        answer = refuseHoldDecision(ledger, name, whoSent(raw), invalidPayload(name, parsed.error.issues), at);
      } else {
        const message = parsed.data as T & { decisionId?: string; by?: string };
        answer = repeatedHoldDecision(ledger, message, at) ?? apply(message, at);
      }
      publish();
      if (!answer.accepted) log.warn(`${name} refused: ${answer.reason}`);
      return answer;
    };
  };
  // A retryTasks signal that reached a run before retries existed was dropped then; replayed, it stays refused.
  const retry = decide('retryTasks', RetryTasks, (m, at) =>
    patched('task-retries')
      ? retryTasks(ledger, m, at)
      : refuseHoldDecision(ledger, 'retryTasks', m, 'this run started before retries existed', at),
  );
  const finish = decide('finishRun', FinishRun, (m, at) => finishRun(ledger, m, at));
  setHandler(retryTasksUpdate, retry);
  setHandler(retryTasksSignal, (raw: unknown) => void retry(raw));
  setHandler(finishRunUpdate, finish);
  setHandler(finishRunSignal, (raw: unknown) => void finish(raw));
}

/**
 * Nothing can run and a task failed: the run holds, durably, until a person retries (tasks become startable again)
 * or finishes it, or the hold runs out (then it finishes as `finish` would). Shown in `status`, the search attribute
 * and the webhook.
 */
export async function holdForPerson({ runId, goal, ledger, publish, now }: HoldContext): Promise<void> {
  const hold = startHolding(ledger, now());
  publish();
  await tell(taskFailedWaiting({ runId, goal, hold }));
  const decided = await condition(
    () => ledger.finishRequested || !ledger.isFinished(),
    holdTimeoutSeconds(ledger) * 1000,
  );
  if (!decided) holdTimedOut(ledger, now());
  ledger.hold = undefined;
  if (ledger.status === 'holding' && !ledger.finishRequested) ledger.status = 'running';
  publish();
}

/** Who a malformed message says it is from, as far as it can be read, for the audit trail. */
function whoSent(raw: unknown): { by?: string; taskIds?: string[] } {
  const payload = (raw && typeof raw === 'object' ? raw : {}) as { by?: unknown; taskIds?: unknown };
  return {
    ...(typeof payload.by === 'string' ? { by: payload.by.slice(0, 200) } : {}),
    ...(Array.isArray(payload.taskIds)
      ? { taskIds: payload.taskIds.filter((t): t is string => typeof t === 'string').map((t) => t.slice(0, 100)) }
      : {}),
  };
}
