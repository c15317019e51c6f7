import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ExecutedTool, RawToolCall, ToolStepInput, ToolStepResult } from '../../domain/agent-loop';
import { AGENT_CONTEXT_LOST } from '../../domain/errors';
import { taskBranch } from '../../domain/git-refs';
import { parseToolCall } from '../../domain/tool-schemas';
import { summarizeStep } from '../../domain/tools';
import { executeTool } from '../tools';
import { commitStep, findStep, pushTaskBranch, toWorkspaceFailure } from '../workspace';
import { withHeartbeat } from './heartbeat';
import type { HeldTask } from './held-tasks';
import { isMcpCall, runMcpCall } from './mcp-tools';
import type { AgentLoopContext } from './settings';
import { screenStepChanges } from './step-changes';
import type { Transcript } from './transcript-cache';
import { agentPolicy } from './turn';

/**
 * Runs one tool call of the task's last turn in its checkout, on the worker holding both. A step that changed files
 * is committed (its id in a trailer) and pushed to the task branch as a compare-and-swap on the head the workflow last
 * recorded, so nothing lives only on this disk and a worker cut off from the run can no longer push. A retried step
 * whose commit already landed is not applied again. The model gets the full result through the transcript; history
 * gets a line.
 */
export function runToolStep(ctx: AgentLoopContext, input: ToolStepInput): Promise<ToolStepResult> {
  return withHeartbeat(async (signal) => {
    const held = ctx.held.get(input.key.taskWorkflowId);
    const transcript = ctx.transcripts.get(input.key);
    const raw = transcript?.pendingCalls[input.callIndex];
    if (!transcript || !raw) {
      throw ApplicationFailure.create({
        type: AGENT_CONTEXT_LOST,
        message: `the conversation of task ${held.taskId} is not on this worker (it restarted): the task moves on`,
        nonRetryable: true,
      });
    }
    if (isMcpCall(raw)) return mcpStep(ctx, held, transcript, raw, input, signal);
    // The agent type's tools only: a call to one the run allows but this agent was not offered is refused too.
    const parsed = parseToolCall(agentPolicy(held.policy, transcript.tools), raw);
    if (!parsed.ok) {
      transcript.items.push({ role: 'tool', callId: raw.id, name: raw.name, content: `error: ${parsed.error}` });
      return { summary: `${raw.name.slice(0, 40)} ✗ ${parsed.error}`.slice(0, 200), ok: false };
    }
    const call = parsed.call;
    const branch = taskBranch(held.runId, held.taskId);
    const { checkout, policy } = held;
    const ids = { runId: held.runId, taskId: held.taskId, stepId: input.stepId };
    const settings = ctx.workspace;
    try {
      let executed: ExecutedTool | undefined;
      let commit: string | undefined;
      if (Context.current().info.attempt > 1) {
        // An earlier attempt may have pushed this very step before it was cut off.
        const found = await findStep(settings, { remote: checkout.remote, branch, ...ids });
        if (found.found) {
          commit = found.commit;
          executed = { result: { ok: true, output: 'done', truncated: false, exitCode: null }, changesFiles: false };
        }
      }
      executed ??= await executeTool(
        { dir: checkout.dir, gitDir: checkout.gitDir, policy, sandbox: ctx.sandbox, signal },
        call,
      );
      if (executed.changesFiles) executed = await screenChanges(ctx, held, executed);
      const summary = summarizeStep(call, executed.result);
      if (executed.changesFiles) commit = (await commitAndPush(ctx, held, input, summary)) ?? commit;
      const { result } = executed;
      transcript.items.push({
        role: 'tool',
        callId: raw.id,
        name: raw.name,
        content: result.ok ? result.output : `error: ${result.error}`,
      });
      return {
        summary,
        ok: result.ok,
        ...(commit ? { commit } : {}),
        ...(call.tool === 'finish' ? { finished: call.input.summary } : {}),
      };
    } catch (err) {
      throw toWorkspaceFailure(err);
    }
  });
}

/**
 * Commits what a step changed (its id in a trailer) and pushes it to the task branch as a compare-and-swap on the
 * head the workflow last recorded. Returns the commit, or undefined when the step changed nothing.
 */
async function commitAndPush(
  ctx: AgentLoopContext,
  held: HeldTask,
  input: ToolStepInput,
  summary: string,
): Promise<string | undefined> {
  const { checkout, runId, taskId } = held;
  const made = await commitStep(ctx.workspace, { checkout, runId, taskId, stepId: input.stepId, message: summary });
  if (!made.commit) return undefined;
  const branch = taskBranch(runId, taskId);
  await pushTaskBranch(ctx.workspace, { checkout, remote: checkout.remote, branch, expectedOld: input.head });
  return made.commit;
}

/** An MCP call as a step: a server that works on files changes the checkout, so its changes are committed too. */
async function mcpStep(
  ctx: AgentLoopContext,
  held: HeldTask,
  transcript: Transcript,
  raw: RawToolCall,
  input: ToolStepInput,
  signal: AbortSignal,
): Promise<ToolStepResult> {
  const ran = await runMcpCall(ctx, held, transcript.agentType, raw, input.decision, signal);
  const { summary } = ran;
  let result = ran.result;
  let commit: string | undefined;
  try {
    // A server that works on files writes with the worker's rights: what it may not commit is undone.
    result = (await screenChanges(ctx, held, { result, changesFiles: true })).result;
    commit = await commitAndPush(ctx, held, input, summary);
  } catch (err) {
    throw toWorkspaceFailure(err);
  }
  transcript.items.push({
    role: 'tool',
    callId: raw.id,
    name: raw.name,
    content: result.ok ? result.output : `error: ${result.error}`,
  });
  return { summary, ok: result.ok, ...(commit ? { commit } : {}) };
}

/** Undoes what a step may not commit (step-changes.ts), and tells the model so in the step's result. */
async function screenChanges(ctx: AgentLoopContext, held: HeldTask, executed: ExecutedTool): Promise<ExecutedTool> {
  const notes = await screenStepChanges(ctx.workspace, held);
  if (notes.length === 0) return executed;
  const note = notes.join('; ');
  const { result } = executed;
  return {
    changesFiles: true,
    result: result.ok
      ? { ...result, output: `${result.output}\n[${note}]` }
      : { ok: false, error: `${result.error}; ${note}` },
  };
}
