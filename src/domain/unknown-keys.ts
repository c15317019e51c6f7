import { z } from 'zod';
import { closestWord } from './edit-distance';

/**
 * Messages for keys a strict schema (the config file, a plan file) does not know, each with its full path and the key it most likely meant:
 * `unknown key "agnets" (did you mean "agents"?)`. A misspelt key must not pass silently and leave a default in force.
 */

/** One line per unknown key of a zod `unrecognized_keys` issue, read against the schema that raised it. */
export function unknownKeyMessages(schema: z.ZodType, path: readonly PropertyKey[], keys: readonly string[]): string[] {
  const known = knownKeysAt(schema, path);
  const prefix = path.map(String).join('.');
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  return keys.map((key) => {
    const meant = closestWord(key, known);
    const hint = meant ? `did you mean "${at(meant)}"?` : `known keys here: ${known.join(', ') || 'none'}`;
    return `unknown key "${at(key)}" (${hint})`;
  });
}

/** The keys the object schema at `path` accepts (records and arrays step into their values); [] when none. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(segment)];
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
    if (!node) return [];
    node = unwrap(node);
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
    node = node.unwrap() as z.ZodType;
  }
  return node;
}

/**
 * Every key of `value` the object schemas along its path do not know, as unknownKeyMessages words them. For answers
 * a model wrote without a strict schema (the provider did not enforce one): zod's default objects drop such keys
 * silently, and with them what the model meant to say.
 */
export function unknownKeysIn(schema: z.ZodType, value: unknown, path: PropertyKey[] = []): string[] {
  const node = unwrap(schema);
  if (node instanceof z.ZodObject && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const shape = node.shape as Record<string, z.ZodType>;
    const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
    const messages = unknown.length > 0 ? unknownKeyMessages(node, [], unknown).map((m) => atPath(path, m)) : [];
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(shape, key)) messages.push(...unknownKeysIn(shape[key]!, child, [...path, key]));
    }
    return messages;
  }
  if (node instanceof z.ZodArray && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeysIn(node.element as z.ZodType, item, [...path, i]));
  }
  return [];
}

function atPath(path: readonly PropertyKey[], message: string): string {
  return path.length > 0 ? `${path.map(String).join('.')}: ${message}` : message;
}
