import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/** One payload in proto3 JSON form, as the Web UI and the `temporal` CLI send it to a codec server. */
export const JsonPayload = z.looseObject({
  metadata: z
    .record(z.string(), z.string())
    .nullish()
    .describe(
      'Metadata values, each base64 (proto3 JSON encodes bytes as base64), e.g. {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}',
    ),
  data: z.string().nullish().describe('The payload bytes, base64'),
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
