import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/**
 * Base64 as proto3 JSON writes bytes (the standard or the URL-safe alphabet, padding optional). Node's decoder skips
 * what it cannot read, so text that is not base64 would decode quietly to other bytes, or to none.
 */
const Base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'is not base64')
  .refine((text) => text.replace(/=+$/, '').length % 4 !== 1, 'is not base64 (its length is impossible)');

/** One payload in proto3 JSON form, as the Web UI and the `temporal` CLI send it to a codec server. */
export const JsonPayload = z.looseObject({
  metadata: z
    .record(z.string(), Base64)
    .nullish()
    .describe(
      'Metadata values, each base64 (proto3 JSON encodes bytes as base64), e.g. {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}',
    ),
  data: Base64.nullish().describe('The payload bytes, base64'),
});
export type JsonPayload = z.infer<typeof JsonPayload>;

/** The body of `POST /encode` and `POST /decode`, and of their answers: a Payloads message in proto3 JSON. */
export const JsonPayloads = z.looseObject({
  payloads: z.array(JsonPayload).describe('The payloads to encode or decode, in order'),
});
export type JsonPayloads = z.infer<typeof JsonPayloads>;

export function payloadFromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function payloadToJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(data ?? []).toString('base64'),
  };
}
