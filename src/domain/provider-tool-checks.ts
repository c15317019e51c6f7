/**
 * What OpenAI-compatible providers refuse in a function tool, checked before a tool is ever offered: such a tool
 * would fail every model turn of every task that has it with a 400 naming only `tools[3].function.parameters`. The
 * rules are the ones providers enforce on non-strict tools: a name of letters, digits, "_" and "-" up to 64
 * characters; parameters that are a JSON schema of an object; no array schema without `items` (the most common
 * fault of MCP servers, seen as "array schema missing items"). Pure, so the worker and tests share it.
 */

/** Function names providers accept. */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Why a provider would refuse a function tool of this name and parameters schema; undefined when it would not. */
export function functionToolProblem(name: string, parameters: unknown): string | undefined {
  if (!FUNCTION_NAME.test(name)) {
    return name.length > 64
      ? `its name "${name}" is longer than the 64 characters providers take`
      : `its name "${name}" has characters providers refuse (only letters, digits, "_" and "-")`;
  }
  if (!isObject(parameters) || parameters.type !== 'object') {
    return 'its input schema is not a JSON schema of type "object", the only kind providers take';
  }
  const missingItems = findArrayWithoutItems(parameters, []);
  if (missingItems) return `its input schema has an array without "items" at ${missingItems}`;
  return undefined;
}

/** The path (`properties.tags`) of the first array schema without `items`, depth-first; undefined when none. */
function findArrayWithoutItems(schema: unknown, path: string[]): string | undefined {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) {
      const found = findArrayWithoutItems(item, [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(schema)) return undefined;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('array') && schema.items === undefined && schema.prefixItems === undefined) {
    return path.length > 0 ? path.join('.') : 'the top level';
  }
  for (const [key, value] of Object.entries(schema)) {
    // Values under these keys are data, not schemas.
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples' || key === 'required') continue;
    const found = findArrayWithoutItems(value, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
