import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import { toolParametersSchema, type ToolDefinition } from '../../domain/tool-schemas';

/**
 * What a request asks the model for: an answer that fits one JSON schema (structured output), or calls of function
 * tools, with text beside them or instead of them. The rest of a request (conversation, sampling, headers) is the same.
 */
export type RequestedOutput =
  | { kind: 'schema'; jsonSchema: OpenAI.ResponseFormatJSONSchema['json_schema'] }
  | { kind: 'tools'; tools: readonly FunctionToolSpec[]; strict: boolean };

/** A function tool as both APIs describe it, before each wraps it in its own shape. */
export interface FunctionToolSpec {
  name: string;
  description: string;
  /** Strict JSON schema of the arguments (see toolParametersSchema). */
  parameters: Record<string, unknown>;
  /** Overrides the request's strictness: tools whose schemas were written elsewhere (MCP servers) are sent non-strict. */
  strict?: boolean;
}

/** The Chat Completions fields that ask for the output: `response_format`, or `tools`. */
export function chatOutputFields(
  output: RequestedOutput,
): { response_format: OpenAI.ResponseFormatJSONSchema } | { tools?: OpenAI.ChatCompletionFunctionTool[] } {
  if (output.kind === 'schema') return { response_format: { type: 'json_schema', json_schema: output.jsonSchema } };
  // OpenAI refuses an empty tool list; a turn offered no tools asks for text.
  if (output.tools.length === 0) return {};
  return {
    tools: output.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        description: t.description,
        parameters: t.parameters,
        strict: t.strict ?? output.strict,
      },
    })),
  };
}

/** The Responses API fields that ask for the output: `text.format`, or `tools`. */
export function responsesOutputFields(
  output: RequestedOutput,
): { text: OpenAI.Responses.ResponseTextConfig } | { tools?: OpenAI.Responses.FunctionTool[] } {
  if (output.kind === 'schema') {
    const { name, schema, strict } = output.jsonSchema;
    return { text: { format: { type: 'json_schema', name, schema: schema ?? {}, strict: strict ?? null } } };
  }
  if (output.tools.length === 0) return {};
  return {
    tools: output.tools.map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description,
      parameters: t.parameters,
      strict: t.strict ?? output.strict,
    })),
  };
}

/**
 * What of the output request tells requests apart, for the idempotency key: the schema's name, or the tools' names
 * (their schemas and descriptions follow from the names and the code version). The schema form is the one keys were
 * always made of, so a structured request keeps its key across this change.
 */
export function outputIdentity(output: RequestedOutput): Record<string, unknown> {
  if (output.kind === 'schema') return { schema: output.jsonSchema.name, strict: output.jsonSchema.strict };
  return { tools: output.tools.map((t) => t.name), strict: output.strict };
}

/** What the provider feeds the model besides the conversation, to count as input: the schema, or the tool specs. */
export function outputTokensSource(output: RequestedOutput): object | undefined {
  return output.kind === 'schema' ? output.jsonSchema.schema : output.tools;
}

// The JSON schema of each zod schema is the same on every call; converting it is not free on a busy worker.
const responseFormats = new WeakMap<object, Map<string, OpenAI.ResponseFormatJSONSchema['json_schema']>>();

export function responseFormatFor(schema: z.ZodType, name: string): OpenAI.ResponseFormatJSONSchema['json_schema'] {
  let byName = responseFormats.get(schema);
  if (!byName) responseFormats.set(schema, (byName = new Map()));
  let format = byName.get(name);
  if (!format) byName.set(name, (format = zodResponseFormat(schema as never, name).json_schema));
  return format;
}

// Tool input schemas are module constants (TOOL_INPUTS), while definition lists are built afresh for each turn.
const toolParameters = new WeakMap<z.ZodObject, Record<string, unknown>>();

/** The tools as sent: name, description and the strict JSON schema of the arguments. */
export function functionToolsFor(tools: readonly ToolDefinition[]): FunctionToolSpec[] {
  return tools.map((tool) => {
    let parameters = toolParameters.get(tool.input);
    if (!parameters) toolParameters.set(tool.input, (parameters = toolParametersSchema(tool.input)));
    return { name: tool.name, description: tool.description, parameters };
  });
}
