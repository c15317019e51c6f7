import { ApplicationFailure } from '@temporalio/common';
import type { ImplementTaskInput, MeteredResult, ReviewTaskInput } from '../domain/activity-contracts';
import { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import { createAgentRegistry, REVIEWER_INSTRUCTIONS, type AgentSpec } from '../domain/agents';
import { UNKNOWN_AGENT_TYPE } from '../domain/errors';
import { implementerMessages, reviewerMessages } from '../domain/prompts';
import { callStructured, type ModelClient } from './model/structured-call';

/** The agent a task names, from this worker's configuration; a type it lacks fails the task (retrying cannot help). */
export function agentFor(settings: ModelClient['settings'], agentType: string): AgentSpec {
  const agent = createAgentRegistry(settings.customAgents).get(agentType);
  if (agent) return agent;
  // The worker's configuration lacks the type until someone adds it and restarts the worker.
  throw ApplicationFailure.create({
    type: UNKNOWN_AGENT_TYPE,
    message:
      `unknown agent type "${agentType}": this worker's configuration does not define it (the plan was ` +
      'validated against another config); add it to customAgents in planwright.config.json on every worker',
    nonRetryable: true,
  });
}

export async function implementTask(
  model: ModelClient,
  input: ImplementTaskInput,
): Promise<MeteredResult<ImplementerOutput>> {
  const agent = agentFor(model.settings, input.task.agentType);
  return callStructured(model, {
    kind: 'implementer',
    agentType: agent.type,
    taskId: input.task.id,
    round: input.round,
    schema: ImplementerOutput,
    schemaName: 'implementation',
    messages: implementerMessages({
      agent,
      task: input.task,
      goal: input.goal,
      dependencies: input.dependencies,
      constraints: input.constraints,
      feedback: input.feedback,
    }),
    availableMillicredits: input.availableMillicredits,
    ...(input.modelOverride ? { modelOverride: input.modelOverride } : {}),
  });
}

export async function reviewTask(model: ModelClient, input: ReviewTaskInput): Promise<MeteredResult<ReviewVerdict>> {
  return callStructured(model, {
    kind: 'reviewer',
    agentType: input.task.agentType,
    taskId: input.task.id,
    round: input.round,
    schema: ReviewVerdict,
    schemaName: 'review_verdict',
    messages: reviewerMessages({
      instructions: REVIEWER_INSTRUCTIONS,
      task: input.task,
      output: input.output,
      constraints: input.constraints,
    }),
    availableMillicredits: input.availableMillicredits,
    ...(input.modelOverride ? { modelOverride: input.modelOverride } : {}),
  });
}
