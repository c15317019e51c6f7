import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../domain/plan-validation';

export const Latency = z.object({
  medianMs: z.number().min(0).describe('Median latency of a call'),
  sigma: z
    .number()
    .min(0)
    .default(0)
    .describe('Spread of the lognormal distribution; 0 makes every call take the median'),
});
export type Latency = z.infer<typeof Latency>;

export const Fault = z.object({
  kind: z.enum(['planner', 'implementer', 'reviewer']).optional().describe('Only calls of this kind; default: any'),
  task: z.string().optional().describe('Only calls for this task id; default: any'),
  times: z.number().int().positive().default(1).describe('How many matching requests get the fault'),
  type: z
    .enum(['status', 'reset', 'hang', 'malformed', 'truncated', 'refusal', 'cut-stream', 'stall', 'bad-plan'])
    .describe(
      'status: an HTTP error; reset: close the connection; hang: never answer; malformed/truncated: bad JSON; refusal: a model refusal; cut-stream: stop a stream half-way; stall: a stream goes silent with the connection open; bad-plan: a well-formed plan with a cycle and an unknown agent type',
    ),
  status: z.number().int().min(400).max(599).optional().describe('HTTP status for type "status"'),
  retryAfterSeconds: z.number().min(0).optional().describe('Retry-After header sent with the status'),
  code: z.string().optional().describe('Error code in the body, e.g. "context_length_exceeded"'),
  message: z.string().optional().describe('Error message in the body'),
  afterChunks: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'For type "stall": answer chunks sent before the silence (0: silent before the first token, as a reasoning model thinks); default: half',
    ),
  stallMs: z
    .number()
    .min(0)
    .optional()
    .describe(
      'For type "stall": how long the silence lasts before the stream goes on; default: until the client hangs up',
    ),
});
export type Fault = z.infer<typeof Fault>;

/** One call of a scripted tool-using agent, sent as written: tests use it to drive hostile or invalid calls. */
export const ScriptedToolCall = z.object({
  tool: z.string().min(1).describe('Name of the tool to call; any name, offered or not (to test refusals)'),
  arguments: z
    .unknown()
    .optional()
    .describe(
      'Its arguments: a string is sent verbatim as the arguments text (invalid JSON included), anything else (null too) as its JSON; absent: {}',
    ),
});
export type ScriptedToolCall = z.infer<typeof ScriptedToolCall>;

/** One turn of a tool script: a call, or several calls the model makes at once. */
export const ScriptedToolTurn = z.union([ScriptedToolCall, z.array(ScriptedToolCall).min(1)]);
export type ScriptedToolTurn = z.infer<typeof ScriptedToolTurn>;

export const TaskScript = z.object({
  verdicts: z
    .array(z.enum(['PASS', 'FAIL']))
    .default([])
    .describe('Reviewer verdicts in order; the last repeats'),
  outputs: z
    .array(z.unknown())
    .default([])
    .describe('Implementer answers in order, sent verbatim as the JSON answer; the last repeats'),
  toolScript: z
    .array(ScriptedToolTurn)
    .default([])
    .describe(
      "Tool calls of this task's acting implementer, one turn per request, in order (each round plays it from its start); then toolScriptEnd. Empty: the default agent",
    ),
  toolScriptEnd: z
    .enum(['finish', 'repeat-last', 'text'])
    .default('finish')
    .describe(
      'After the tool script: finish; repeat-last: play its last turn again forever (an agent that never ends); text: answer with text and no tool call',
    ),
  toolScriptRounds: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Rounds the tool script plays in, from the first; later rounds get the default agent. Default: all'),
  latencyMs: Latency.optional().describe("Latency of this task's calls, overriding the kind's"),
});
export type TaskScript = z.infer<typeof TaskScript>;

export const Scenario = z.object({
  seed: z.number().int().default(1).describe('Seed of every pseudo-random choice; same seed, same answers'),
  latency: z
    .object({
      planner: Latency.optional(),
      implementer: Latency.optional(),
      reviewer: Latency.optional(),
    })
    .default({})
    .describe('Latency per kind of call; default: none'),
  tasks: z.record(z.string(), TaskScript).default({}).describe('Scripts per task id'),
  defaultVerdict: z.enum(['PASS', 'FAIL']).default('PASS').describe('Verdict for tasks without a script'),
  usage: z
    .enum(['actual', 'max'])
    .default('actual')
    .describe("actual: count the answer's tokens; max: report max_tokens of output on every call (worst case)"),
  faults: z.array(Fault).default([]).describe('Faults injected into matching requests, in order'),
  unknownModels: z.array(z.string()).default([]).describe('Model names answered with 404 model_not_found'),
  planTasks: z.number().int().min(1).max(5000).optional().describe('Size of the plans the simulated planner writes'),
  plan: z
    .object({ tasks: z.array(z.record(z.string(), z.unknown())).min(1) })
    .optional()
    .describe("The simulated planner's answer, sent as written (the run validates it); default: a generic plan"),
});
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const parsed = Scenario.safeParse(raw);
  if (!parsed.success) throw new Error(`${source} is invalid:\n${formatIssues(parsed.error.issues).join('\n')}`);
  return parsed.data;
}

export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`cannot read scenario ${file}: ${(err as Error).message}`);
  }
  return parseScenario(raw, file);
}
