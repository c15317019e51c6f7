import { log, patched } from '@temporalio/workflow';
import {
  ApproveBudget,
  CreditRequest,
  DenyBudget,
  type BudgetAnswer,
  type CreditDecision,
} from '../../domain/approvals';
import type { ApprovalDecision } from '../../domain/run';
import type { RunLedger } from '../../domain/run-ledger';
import { repeatedDecision } from './decision-repeats';
import { invalidPayload } from './task-answers';

/** What the budget handlers of a run need from it. */
export interface BudgetHandlerContext {
  ledger: RunLedger;
  /** Publishes the ledger's change (search attributes, decision metrics); called after every change. */
  publish: () => void;
  /** Delivers a decision to a task workflow. */
  tellTask: (taskId: string, decision: CreditDecision) => Promise<void>;
  /** Tells people a task waits for them. */
  askPerson: (taskId: string, shortfallMillicredits: number) => Promise<void>;
  now: () => string;
}

/**
 * The run's side of the money protocol. Signals and updates may come from anyone who can signal the namespace, with
 * any shape: each message is parsed before anything changes, accepted only where the protocol expects it at that
 * moment, and otherwise refused and counted in the ledger (bounded), with nothing else changed.
 */
export function createBudgetHandlers(ctx: BudgetHandlerContext) {
  const { ledger, publish, now } = ctx;

  const refuse = (name: string, raw: unknown, reason: string): BudgetAnswer => {
    const payload = (raw && typeof raw === 'object' ? raw : {}) as { taskId?: unknown; by?: unknown };
    const taskId = typeof payload.taskId === 'string' ? payload.taskId.slice(0, 100) : '?';
    if (name === 'approveBudget' || name === 'denyBudget') {
      const by = typeof payload.by === 'string' ? payload.by.slice(0, 200) : undefined;
      ledger.reject({ taskId, by }, reason, now(), name);
    } else {
      ledger.refuse(name, taskId, reason, now());
    }
    publish();
    log.warn(`${name} refused: ${reason}`);
    return { accepted: false, taskId, millicredits: 0, reason };
  };

  /** A task cannot afford its next call: grant from the pool when allowed, else wait for a person. */
  async function requestCredits(raw: unknown): Promise<void> {
    const parsed = CreditRequest.safeParse(raw);
    if (!parsed.success) {
      refuse('requestCredits', raw, invalidPayload('requestCredits', parsed.error.issues));
      return;
    }
    const { taskId, shortfallMillicredits, requestId } = parsed.data;
    // Histories recorded before refills replay with grants of the shortfall alone.
    const refill = patched('credit-refills');
    const answer = ledger.requestCredits(taskId, shortfallMillicredits, now(), { ...ids(requestId), refill });
    if (answer.kind === 'ignored') {
      const status = ledger.tasks.get(taskId)?.status;
      refuse('requestCredits', raw, status ? `task "${taskId}" is ${status}, not running` : `unknown task "${taskId}"`);
      return;
    }
    publish();
    if (answer.kind === 'granted') {
      await ctx.tellTask(taskId, { kind: 'granted', millicredits: answer.millicredits, ...ids(requestId) });
    } else {
      await ctx.askPerson(taskId, shortfallMillicredits);
    }
  }

  /** A person grants credits (signal or update); the answer is the run's own. */
  async function approve(raw: unknown): Promise<BudgetAnswer> {
    const parsed = ApproveBudget.safeParse(raw);
    if (!parsed.success) {
      return refuse('approveBudget', raw, invalidPayload('approveBudget', parsed.error.issues));
    }
    const repeat = repeatedDecision(ledger, parsed.data, now());
    if (repeat) return answerAgain(repeat, publish);
    const requestId = ledger.pending.get(parsed.data.taskId)?.requestId;
    const result = ledger.approve(parsed.data, now());
    publish();
    if (!result.ok) {
      log.warn(`approveBudget refused: ${result.error}`);
      return { accepted: false, taskId: parsed.data.taskId, millicredits: 0, reason: result.error };
    }
    await ctx.tellTask(parsed.data.taskId, { kind: 'granted', millicredits: result.millicredits, ...ids(requestId) });
    return { accepted: true, taskId: parsed.data.taskId, millicredits: result.millicredits };
  }

  /** A person refuses credits (signal or update); the task fails with the reason. */
  async function deny(raw: unknown): Promise<BudgetAnswer> {
    const parsed = DenyBudget.safeParse(raw);
    if (!parsed.success) {
      return refuse('denyBudget', raw, invalidPayload('denyBudget', parsed.error.issues));
    }
    const repeat = repeatedDecision(ledger, parsed.data, now());
    if (repeat) return answerAgain(repeat, publish);
    const requestId = ledger.pending.get(parsed.data.taskId)?.requestId;
    const result = ledger.deny(parsed.data, now());
    publish();
    if (!result.ok) {
      log.warn(`denyBudget refused: ${result.error}`);
      return { accepted: false, taskId: parsed.data.taskId, millicredits: 0, reason: result.error };
    }
    await ctx.tellTask(parsed.data.taskId, { kind: 'denied', reason: parsed.data.reason, ...ids(requestId) });
    return { accepted: true, taskId: parsed.data.taskId, millicredits: 0 };
  }

  return { requestCredits, approve, deny, refuse };
}

/** The answer the first message with a repeated decision id got, marked as a duplicate. */
function answerAgain(first: ApprovalDecision, publish: () => void): BudgetAnswer {
  publish();
  const accepted = first.decision !== 'rejected';
  return {
    accepted,
    taskId: first.taskId,
    millicredits: first.decision === 'approved' ? first.millicredits : 0,
    ...(accepted ? {} : { reason: first.note ?? 'refused' }),
    duplicate: true,
  };
}

const ids = (requestId: string | undefined) => (requestId ? { requestId } : {});
