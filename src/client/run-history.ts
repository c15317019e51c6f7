import type { Client } from '@temporalio/client';
import type { PreparePlanResult } from '../domain/activity-contracts';
import type { SpendEvent } from '../domain/credit-curve';
import { Plan } from '../domain/plan';
import type { GoalInputJson, TaskOutcome } from '../domain/run';
import { TASK_ID_SEPARATOR } from '../domain/task-address';
import { activitiesOf, decoderFor, eventTime, failureDetails, fetchEvents, type HistoryEvent } from './history-reader';

/** How one task ended, as its run booked it. */
export interface TaskEnd extends SpendEvent {
  taskId: string;
  status: TaskOutcome['status'];
}

/** What a front end needs of one execution of a run's workflow (a run that continued as new has several). */
export interface ExecutionFacts {
  executionRunId: string;
  /** The execution this one continued, when it is not the first. */
  previousRunId?: string;
  startedAt: string;
  /** The run's input as its caller gave it (sent again, without the plan, to each continuation). */
  input?: GoalInputJson;
  /** The validated plan (preparePlan's result; only the first execution plans). */
  plan?: Plan;
  /** Planning's spend, booked when the plan came. */
  planning?: SpendEvent;
  /** Task workflows this execution started, with their start times. */
  starts: Map<string, string>;
  /** Tasks whose end this execution booked (child completions, and outcomes of inherited tasks), first end wins. */
  ends: Map<string, TaskEnd>;
  closed: boolean;
}

/** Facts of closed executions by execution run id: their histories never change, and big runs are read again and again. */
const closedExecutions = new Map<string, ExecutionFacts>();
const MAX_CACHED_EXECUTIONS = 20;

/** The facts of one execution of run `runId`, from its history; undefined when there is no such execution. */
export async function readExecution(
  client: Client,
  runId: string,
  executionRunId: string,
): Promise<ExecutionFacts | undefined> {
  const cached = closedExecutions.get(executionRunId);
  if (cached) return cached;
  const events = await fetchEvents(client, runId, executionRunId);
  if (!events) return undefined;
  const facts = await factsOf(client, runId, executionRunId, events);
  if (facts.closed) {
    closedExecutions.set(executionRunId, facts);
    if (closedExecutions.size > MAX_CACHED_EXECUTIONS) closedExecutions.delete(closedExecutions.keys().next().value!);
  }
  return facts;
}

/** Every execution of run `runId`, oldest first, walking back from the latest through each one it continued. */
export async function readRunHistory(client: Client, runId: string, latestRunId: string): Promise<ExecutionFacts[]> {
  const chain: ExecutionFacts[] = [];
  for (let id: string | undefined = latestRunId; id && chain.length < 10_000;) {
    const facts = await readExecution(client, runId, id);
    if (!facts) break;
    chain.push(facts);
    id = facts.previousRunId;
  }
  return chain.reverse();
}

/** The spend events of a run's executions: planning, then every task end (each task once). */
export function spendsOf(chain: readonly ExecutionFacts[]): SpendEvent[] {
  const seen = new Set<string>();
  const spends: SpendEvent[] = [];
  for (const facts of chain) {
    if (facts.planning) spends.push(facts.planning);
    for (const end of facts.ends.values()) {
      if (seen.has(end.taskId)) continue;
      seen.add(end.taskId);
      spends.push({ at: end.at, millicredits: end.millicredits });
    }
  }
  return spends;
}

async function factsOf(
  client: Client,
  runId: string,
  executionRunId: string,
  events: HistoryEvent[],
): Promise<ExecutionFacts> {
  const decode = decoderFor(client);
  const first = events[0];
  const started = first?.workflowExecutionStartedEventAttributes;
  const facts: ExecutionFacts = {
    executionRunId,
    ...(started?.continuedExecutionRunId ? { previousRunId: started.continuedExecutionRunId } : {}),
    startedAt: first ? eventTime(first) : new Date(0).toISOString(),
    starts: new Map(),
    ends: new Map(),
    closed: isClosing(events.at(-1)),
  };
  const input = await decode<GoalInputJson>(started?.input?.payloads?.[0]);
  if (input) facts.input = input;
  const taskOf = (workflowId: string | null | undefined) =>
    workflowId?.startsWith(runId + TASK_ID_SEPARATOR) ? workflowId.slice(runId.length + 1) : undefined;
  const book = (
    outcome: Partial<TaskOutcome> | undefined,
    at: string,
    taskId = outcome?.taskId,
    status = outcome?.status,
  ) => {
    if (!taskId || !status || facts.ends.has(taskId)) return;
    facts.ends.set(taskId, { taskId, status, at, millicredits: outcome?.spentMillicredits ?? 0 });
  };
  for (const event of events) {
    const at = eventTime(event);
    const childStarted = event.childWorkflowExecutionStartedEventAttributes;
    const taskStarted = taskOf(childStarted?.workflowExecution?.workflowId);
    if (taskStarted) facts.starts.set(taskStarted, at);
    const completed = event.childWorkflowExecutionCompletedEventAttributes;
    if (completed) book(await decode<TaskOutcome>(completed.result?.payloads?.[0]), at);
    const failed = event.childWorkflowExecutionFailedEventAttributes;
    if (failed) {
      const outcome = await decode<Partial<TaskOutcome>>(failureDetails(failed.failure)).catch(() => undefined);
      book(outcome, at, taskOf(failed.workflowExecution?.workflowId), 'failed');
    }
    const stopped =
      event.childWorkflowExecutionCanceledEventAttributes ??
      event.childWorkflowExecutionTerminatedEventAttributes ??
      event.childWorkflowExecutionTimedOutEventAttributes;
    if (stopped) {
      const status = event.childWorkflowExecutionCanceledEventAttributes ? 'cancelled' : 'failed';
      book(undefined, at, taskOf(stopped.workflowExecution?.workflowId), status);
    }
  }
  for (const activity of activitiesOf(events)) {
    if (activity.end?.kind !== 'completed') continue;
    const { at } = activity.end;
    if (activity.type === 'preparePlan') {
      const prepared = await decode<PreparePlanResult>(activity.end.result);
      const plan = Plan.safeParse(prepared?.plan);
      if (plan.success) facts.plan = plan.data;
      facts.planning = { at, millicredits: prepared?.spentMillicredits ?? 0 };
    } else if (activity.type === 'confirmTaskOutcome') {
      const confirmed = await decode<{ closed: boolean; outcome?: TaskOutcome }>(activity.end.result);
      if (confirmed?.closed) book(confirmed.outcome, at);
    } else if (activity.type === 'collectTaskOutcomes') {
      for (const outcome of (await decode<TaskOutcome[]>(activity.end.result)) ?? []) book(outcome, at);
    }
  }
  return facts;
}

function isClosing(event: HistoryEvent | undefined): boolean {
  return !!(
    event?.workflowExecutionCompletedEventAttributes ??
    event?.workflowExecutionFailedEventAttributes ??
    event?.workflowExecutionTimedOutEventAttributes ??
    event?.workflowExecutionCanceledEventAttributes ??
    event?.workflowExecutionTerminatedEventAttributes ??
    event?.workflowExecutionContinuedAsNewEventAttributes
  );
}
