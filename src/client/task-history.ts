import type { MeteredResult } from '../domain/activity-contracts';
import type {
  PrepareTaskCheckoutInput,
  PrepareTaskCheckoutResult,
  ToolStepResult,
  VerifyWorkResult,
} from '../domain/agent-loop';
import type { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import type { CallRecord } from '../domain/model';
import type { ModelCallDetail, RoundDetail } from '../domain/run-details';
import { activitiesOf, failureDetails, type ActivityRecord, type Decode, type HistoryEvent } from './history-reader';

/** Activities that call a model through the meter: their results carry calls, tokens and credits. */
const METERED = new Set(['implementTask', 'reviewTask', 'agentTurn', 'reviewWork']);
const REVIEWS = new Set(['reviewTask', 'reviewWork']);

/** What a task's histories tell about it. */
export interface TaskHistory {
  rounds: RoundDetail[];
  modelCalls: ModelCallDetail[];
  /** The implementer's last accepted output (text tasks), as `planwright output` reads it. */
  lastOutput?: ImplementerOutput;
  /** Set for a task that acted in the run's repository: where its work is, from its start to its last commit. */
  work?: { remote: string; from: string; to: string };
}

/** The input fields that say which round an activity belongs to, whichever activity it is. */
type RoundInput = { round?: number; key?: { round?: number }; panelSeat?: number };

/**
 * Reads the rounds, model calls, output and work of a task from the histories of its workflow's executions, oldest
 * first. Rounds come from the activities' own inputs (`round`, or `key.round` for the agent loop's); verifyWork says
 * none, and belongs to the round whose steps it checks, the last one seen.
 */
export async function readTaskHistory(executions: readonly HistoryEvent[][], decode: Decode): Promise<TaskHistory> {
  const history: TaskHistory = { rounds: [], modelCalls: [] };
  const rounds = new Map<number, RoundDetail>();
  const roundOf = (n: number) => {
    let r = rounds.get(n);
    if (!r) rounds.set(n, (r = { round: n, verdicts: [], steps: [], verify: [] }));
    return r;
  };
  let round = 1;
  let remote: string | undefined;
  let from: string | undefined;
  let head: string | undefined;
  for (const activity of executions.flatMap((events) => activitiesOf(events))) {
    const input = await decode<RoundInput & Partial<PrepareTaskCheckoutInput>>(activity.input);
    round = input?.round ?? input?.key?.round ?? round;
    const end = activity.end;
    const result = end?.kind === 'completed' ? await decode<unknown>(end.result) : undefined;
    if (METERED.has(activity.type)) {
      const call = await modelCall(activity, round, result as MeteredResult<unknown> | undefined, decode);
      if (call) history.modelCalls.push(call);
    }
    if (activity.type === 'implementTask') {
      const r = result as MeteredResult<ImplementerOutput> | undefined;
      roundOf(round);
      if (r?.kind === 'ok') history.lastOutput = r.value;
    } else if (REVIEWS.has(activity.type)) {
      const r = result as MeteredResult<ReviewVerdict> | undefined;
      if (r?.kind === 'ok') {
        const fixes = r.value.fixesRequired.length > 0 ? ` Fixes: ${r.value.fixesRequired.join('; ')}` : '';
        const feedback = `${r.value.summary}${fixes}`;
        roundOf(round).verdicts.push({ verdict: r.value.verdict, feedback, seat: input?.panelSeat ?? 0 });
      }
    } else if (activity.type === 'runToolStep') {
      const r = result as ToolStepResult | undefined;
      const summary = r?.summary ?? (await decode<string>(activity.summary)) ?? 'tool step';
      const failed = end && end.kind !== 'completed';
      roundOf(round).steps.push({
        summary: failed ? `${summary} (${end.kind === 'failed' ? 'failed' : end.kind})` : summary,
        ...(r ? { ok: r.ok } : failed ? { ok: false } : {}),
        ...(r?.commit ? { commit: r.commit } : {}),
        at: activity.scheduledAt,
      });
      if (r?.commit) head = r.commit;
    } else if (activity.type === 'verifyWork') {
      const r = result as VerifyWorkResult | undefined;
      for (const v of r?.results ?? []) {
        const { command, passed, exitCode, outputTail } = v;
        roundOf(round).verify.push({ command, passed, exitCode, outputTail });
      }
    } else if (activity.type === 'prepareTaskCheckout') {
      const r = result as PrepareTaskCheckoutResult | undefined;
      remote = input?.remote ?? remote;
      if (r?.ok) {
        // A move continues the task's branch: its start stays the first checkout's.
        from ??= r.startCommit;
        head = r.head;
      }
    }
  }
  history.rounds = [...rounds.values()].sort((a, b) => a.round - b.round);
  if (remote && from && head) history.work = { remote, from, to: head };
  return history;
}

/** A metered activity as a model call: from its result, or from the spend a failure carried. */
async function modelCall(
  activity: ActivityRecord,
  round: number,
  result: MeteredResult<unknown> | undefined,
  decode: Decode,
): Promise<ModelCallDetail | undefined> {
  const end = activity.end;
  if (!end) return undefined;
  let spend: { calls: CallRecord[]; spentMillicredits: number; model?: string } | undefined = result;
  if (result?.kind === 'ok') spend = { ...result, model: result.model };
  if (end.kind === 'failed') {
    spend = await decode<{ calls?: CallRecord[]; spentMillicredits?: number }>(failureDetails(end.failure))
      .then((d) =>
        typeof d?.spentMillicredits === 'number'
          ? { calls: d.calls ?? [], spentMillicredits: d.spentMillicredits }
          : undefined,
      )
      .catch(() => undefined);
  }
  if (!spend) return undefined;
  const calls = Array.isArray(spend.calls) ? spend.calls : [];
  // A result that stopped for credits made no request.
  if (calls.length === 0 && !spend.spentMillicredits) return undefined;
  const model = spend.model ?? calls.at(-1)?.model;
  return {
    activity: activity.type,
    round,
    ...(model ? { model } : {}),
    inputTokens: calls.reduce((n, c) => n + (c.usage?.inputTokens ?? 0), 0),
    outputTokens: calls.reduce((n, c) => n + (c.usage?.outputTokens ?? 0), 0),
    spentMillicredits: spend.spentMillicredits,
    at: end.at,
  };
}
