import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';

/**
 * The one data converter of every Planwright process: workers, the CLI's clients, the tests, the bench, replay and
 * `planwright output`. Payload codecs (encryption, compression) are added here, once, and reach all of them; a
 * process that used another converter would write payloads the others cannot read.
 */
export const dataConverter: DataConverter = {};

/**
 * Reads one payload as stored in a history, through the codecs (last applied, first undone) and then the default
 * payload converter. For code that reads raw histories rather than results, e.g. a task's output.
 */
export async function decodePayload<T>(payload: Payload): Promise<T> {
  let payloads = [payload];
  for (const codec of [...(dataConverter.payloadCodecs ?? [])].reverse()) payloads = await codec.decode(payloads);
  return defaultPayloadConverter.fromPayload<T>(payloads[0]!);
}
