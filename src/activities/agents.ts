import { ApplicationFailure } from '@temporalio/common';
import type { ImplementTaskInput, MeteredResult, ReviewTaskInput } from '../domain/activity-contracts';
import { ImplementerOutput, ReviewVerdict } from '../domain/agent-outputs';
import { createAgentRegistry, REVIEWER_INSTRUCTIONS } from '../domain/agents';
import { UNKNOWN_AGENT_TYPE } from '../domain/errors';
import { implementerMessages, reviewerMessages } from '../domain/prompts';
import { callStructured, type ModelClient } from './model/structured-call';

export async function implementTask(
  model: ModelClient,
  input: ImplementTaskInput,
): Promise<MeteredResult<ImplementerOutput>> {
  const agent = createAgentRegistry(model.settings.customAgents).get(input.task.agentType);
  if (!agent) {
    // Retrying cannot help: the worker's configuration lacks the type until someone adds it and restarts the worker.
    throw ApplicationFailure.create({
      type: UNKNOWN_AGENT_TYPE,
      message:
        `unknown agent type "${input.task.agentType}": this worker's configuration does not define it (the plan was ` +
        'validated against another config); add it to customAgents in planwright.config.json on every worker',
      nonRetryable: true,
    });
  }
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
