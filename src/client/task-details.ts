import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { ImplementerOutput } from '../domain/agent-outputs';
import { closestWord } from '../domain/edit-distance';
import { taskBranch } from '../domain/git-refs';
import type { TaskDetails } from '../domain/run-details';
import { taskWorkflowId } from '../domain/task-address';
import { webUiLink } from '../domain/web-ui';
import { UserError } from '../infra/errors';
import { taskProgressQuery } from '../workflows/messages';
import { asServerError, decoderFor, fetchExecutionChain, isNotFound } from './history-reader';
import { readRunPlan, type DetailsOptions } from './run-details';
import { diffWork } from './run-workspace';
import { queryWithTimeout } from './runs';
import { readTaskHistory, type TaskHistory } from './task-history';

/** Most characters of a text task's output in its details: the whole is `planwright output`'s. */
export const MAX_DETAILS_OUTPUT_CHARS = 20_000;
/** Most characters of an acting task's diff in its details: the whole is `planwright diff`'s. */
export const MAX_DETAILS_DIFF_CHARS = 100_000;

/**
 * Everything a front end shows of task `taskId` of run `runId` (see src/domain/run-details.ts), from its workflow's
 * histories (all executions: acting tasks continue as new between rounds), its progress query while it runs, and, for
 * an acting task, its diff read from the run's repository. A task that has not started is `started: false`; one the
 * plan does not have is a UserError naming the closest id.
 */
export async function readTaskDetails(
  client: Client,
  runId: string,
  taskId: string,
  options: DetailsOptions,
): Promise<TaskDetails> {
  const workflowId = taskWorkflowId(runId, taskId);
  const base = { runId, taskId, workflowId, webUiUrl: webUiLink(options.webUiUrl, options.namespace, workflowId) };
  try {
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    if (!description) {
      await checkTaskInPlan(client, runId, taskId);
      return { ...base, started: false, live: false, rounds: [], modelCalls: [] };
    }
    return { ...base, ...(await startedTask(client, runId, taskId, description)) };
  } catch (err) {
    throw asServerError(client, err);
  }
}

async function startedTask(
  client: Client,
  runId: string,
  taskId: string,
  description: WorkflowExecutionDescription,
): Promise<Omit<TaskDetails, 'runId' | 'taskId' | 'workflowId' | 'webUiUrl'>> {
  const chain = await fetchExecutionChain(client, description.workflowId, description.runId);
  const history = await readTaskHistory(chain, decoderFor(client));
  const live = description.status.name === 'RUNNING';
  // A task between workers or without one answers no query: its details go on without progress.
  const progress = live
    ? await queryWithTimeout(client.workflow.getHandle(description.workflowId), taskProgressQuery, 3_000).catch(
        () => undefined,
      )
    : undefined;
  return {
    started: true,
    live,
    ...(progress ? { progress } : {}),
    rounds: history.rounds,
    modelCalls: history.modelCalls,
    ...(!history.work && history.lastOutput ? { output: formatOutput(history.lastOutput, runId, taskId) } : {}),
    ...(history.work ? await diffOf(history.work, runId, taskId) : {}),
  };
}

/** The output as `planwright output` prints it, bounded. */
function formatOutput(output: ImplementerOutput, runId: string, taskId: string): string {
  const parts = [output.summary, ...output.artifacts.map((a) => `\n--- ${a.name} (${a.kind})\n${a.content}`)];
  if (output.notes) parts.push(`\nNotes: ${output.notes}`);
  return bounded(parts.join('\n'), MAX_DETAILS_OUTPUT_CHARS, `planwright output ${runId} ${taskId}`);
}

/** The task's diff from its start to its last commit, read from the run's repository; why not, when it cannot be. */
async function diffOf(
  work: NonNullable<TaskHistory['work']>,
  runId: string,
  taskId: string,
): Promise<{ diff: string } | { diffError: string }> {
  if (work.from === work.to) return { diff: '' };
  try {
    const diff = await diffWork({ ...work, branch: taskBranch(runId, taskId), label: `task ${taskId}` });
    return { diff: bounded(diff, MAX_DETAILS_DIFF_CHARS, `planwright diff ${runId} ${taskId}`) };
  } catch (err) {
    return { diffError: `could not read the diff from ${work.remote}: ${(err as Error).message}` };
  }
}

function bounded(text: string, max: number, whole: string): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… (cut at ${Math.round(max / 1000)} KB; all of it: ${whole})`;
}

/** A task without a workflow is one that has not started, if the plan has it; otherwise the caller mistyped it. */
async function checkTaskInPlan(client: Client, runId: string, taskId: string): Promise<void> {
  const plan = await readRunPlan(client, runId);
  if (!plan) throw new UserError(`run ${runId} has no plan yet, so no task "${taskId}": try again once it has planned`);
  const ids = plan.tasks.map((t) => t.id);
  if (ids.includes(taskId)) return;
  const closest = closestWord(taskId, ids);
  throw new UserError(
    `run ${runId} has no task "${taskId}"${closest ? `; did you mean "${closest}"?` : `; its tasks: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`}`,
  );
}
