import {
  defaultPayloadConverter,
  type DataConverter,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
} from '@temporalio/common';
import {
  ENCRYPTION_ENV,
  resolveEncryptionSettings,
  type EncryptionSettings,
  type ResolveEncryptionOptions,
} from '../config/encryption';
import { loadConfigFile } from '../config/load';
import { CompressionCodec } from './codec/compression';
import { EncryptionCodec } from './codec/encryption-codec';

/** The module that `failureConverterPath` names when encryption is on (see ./codec/failure-converter.ts). */
export const ENCRYPTED_FAILURE_CONVERTER_PATH = require.resolve('./codec/failure-converter');

/** A codec that only decodes: what a process that may read encrypted payloads, but not write them, uses. */
const decodeOnly = (codec: PayloadCodec): PayloadCodec => ({
  encode: async (payloads) => payloads,
  decode: (payloads, context?: SerializationContext) => codec.decode(payloads, context),
});

/**
 * The codecs for `settings`, in encoding order: large payloads are compressed, then every payload is encrypted with
 * the current key; decoding runs them in reverse. With encryption off both only decode, so a process without keys
 * still reads plaintext as before and names the missing key of an encrypted payload.
 */
export function createPayloadCodecs(settings: EncryptionSettings): PayloadCodec[] {
  const encryption = new EncryptionCodec({ keys: settings.keys, encrypt: settings.encrypt, source: settings.source });
  const compression = new CompressionCodec();
  return settings.encrypt ? [compression, encryption] : [decodeOnly(compression), encryption];
}

/**
 * A data converter for the encryption settings in `env` (PLANWRIGHT_ENCRYPTION, PLANWRIGHT_ENCRYPTION_KEYS or
 * PLANWRIGHT_ENCRYPTION_KEY_FILE; see src/config/encryption.ts). With encryption on, failure messages and stack traces
 * are encoded as payloads too, so they are encrypted like everything else. Throws a one-line ConfigError.
 */
export function createDataConverter(
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveEncryptionOptions = {},
): DataConverter {
  return dataConverterFor(resolveEncryptionSettings(env, options));
}

function dataConverterFor(settings: EncryptionSettings): DataConverter {
  return {
    payloadCodecs: createPayloadCodecs(settings),
    ...(settings.encrypt ? { failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH } : {}),
  };
}

/**
 * This process's encryption settings: its environment, else the key file named by planwright.config.json
 * (`encryption.keyFile`, read only when the environment names no keys). Throws a one-line ConfigError.
 */
export function resolveProcessEncryption(): EncryptionSettings {
  const { env } = process;
  if (env[ENCRYPTION_ENV.keys]?.trim() || env[ENCRYPTION_ENV.keyFile]?.trim()) return resolveEncryptionSettings(env);
  const keyFile = loadConfigFile(env).encryption.keyFile;
  return resolveEncryptionSettings(env, keyFile ? { configKeyFile: keyFile } : {});
}

let fromEnvironment: DataConverter | undefined;

/**
 * This process's data converter ({@link resolveProcessEncryption}), built once. Call it before connecting to report a
 * bad key setting before anything else; {@link dataConverter} calls it on first use.
 */
export function resolveDataConverter(): DataConverter {
  return (fromEnvironment ??= dataConverterFor(resolveProcessEncryption()));
}

/**
 * The one data converter of every Planwright process: workers, the CLI's clients, the tests, the bench, replay and
 * `planwright output`, built from this process's environment (createDataConverter). It is resolved on first use, not
 * at import, so a bad key surfaces as a ConfigError where the process reports errors (one line, exit 2). A worker given
 * a prebuilt `workflowBundle` must bundle with this `failureConverterPath`, or its workflows' failures stay plaintext.
 */
export const dataConverter: DataConverter = {
  get payloadCodecs() {
    return resolveDataConverter().payloadCodecs;
  },
  get failureConverterPath() {
    return resolveDataConverter().failureConverterPath;
  },
};

/**
 * Reads one payload as stored in a history, through the codecs (last applied, first undone) and then the default
 * payload converter. For code that reads raw histories rather than results, e.g. a task's output.
 */
export async function decodePayload<T>(payload: Payload, converter: DataConverter = dataConverter): Promise<T> {
  let payloads = [payload];
  for (const codec of [...(converter.payloadCodecs ?? [])].reverse()) payloads = await codec.decode(payloads);
  return defaultPayloadConverter.fromPayload<T>(payloads[0]!);
}
