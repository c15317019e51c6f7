import { ApplicationFailure } from '@temporalio/common';
import type { AgentModelSettings } from '../../config';
import type { MeteredResult } from '../../domain/activity-contracts';
import { MODEL_OUTPUT_INVALID } from '../../domain/errors';
import { spendDetails } from '../../domain/failure-details';
import { formatIssues } from '../../domain/plan-validation';
import { repairMessage } from '../../domain/prompts';
import { unknownKeysIn } from '../../domain/unknown-keys';
import type { Reply } from './api-request';
import { callWithFallbacks, type ModelOutcome } from './metered-call';
import { sendMetered, type AttemptSpend } from './metered-request';
import type { ModelClient, StructuredCallRequest } from './model-client';
import { responseFormatFor, type RequestedOutput } from './requested-output';

export type { ModelClient, StructuredCallRequest } from './model-client';

/** What a structured call returns: the activity contract's metered result (see src/domain/activity-contracts.ts). */
export type StructuredCallResult<T> = MeteredResult<T>;

/**
 * Makes one structured model call: reserves the worst-case cost before every request, streams with heartbeats,
 * validates the output with zod (plus `validate`), repairs invalid output, and falls back to other models when the
 * failure is one another model can fix. Every request's real cost is recorded.
 */
export function callStructured<T>(model: ModelClient, req: StructuredCallRequest<T>): Promise<StructuredCallResult<T>> {
  return callWithFallbacks(model, req, (agent, spend) => callWithRepairs(model, agent, req, spend));
}

async function callWithRepairs<T>(
  model: ModelClient,
  agent: AgentModelSettings,
  req: StructuredCallRequest<T>,
  spend: AttemptSpend,
): Promise<ModelOutcome<T>> {
  const output: RequestedOutput = {
    kind: 'schema',
    jsonSchema: { ...responseFormatFor(req.schema, req.schemaName), strict: agent.strictSchema },
  };
  const messages = [...req.messages];
  const maxRepairs = req.maxRepairs ?? 1;
  let errors: string[] = [];
  for (let repair = 0; repair <= maxRepairs; repair++) {
    const sent = await sendMetered(model, agent, spend, {
      place: req,
      conversation: messages,
      output,
      repair: repair > 0,
      problemsOf: (reply) => parseErrors(reply, req),
    });
    if (sent.kind === 'insufficient_credits') return sent;
    errors = sent.problems;
    if (errors.length === 0) return { kind: 'ok', value: req.schema.parse(JSON.parse(sent.reply.text)) };
    messages.push({ role: 'assistant', content: sent.reply.text }, repairMessage(errors));
  }
  throw ApplicationFailure.create({
    type: MODEL_OUTPUT_INVALID,
    message: `model "${agent.model}" returned invalid ${req.schemaName} output after ${maxRepairs} repair round(s): ${errors.slice(0, 5).join('; ')}`,
    nonRetryable: true,
    details: spendDetails({ ...spend.ledger, errors }),
  });
}

function parseErrors<T>(reply: Reply, req: StructuredCallRequest<T>): string[] {
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch (err) {
    return [`the answer is not valid JSON (${(err as Error).message})`];
  }
  // Without a strict schema the provider may add keys; zod would drop them, and with them what the model meant.
  const unknown = req.strictKeys ? unknownKeysIn(req.schema, json) : [];
  const parsed = req.schema.safeParse(json);
  if (!parsed.success) return [...unknown, ...formatIssues(parsed.error.issues)];
  return [...unknown, ...(req.validate?.(parsed.data) ?? [])];
}
