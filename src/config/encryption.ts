import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';

/** The environment variables of payload encryption. */
export const ENCRYPTION_ENV = {
  /** `on` encrypts every payload written; `off` (the default) writes plaintext but still reads encrypted ones. */
  setting: 'PLANWRIGHT_ENCRYPTION',
  /** `id:base64key,id:base64key`, the current (encrypting) key first. */
  keys: 'PLANWRIGHT_ENCRYPTION_KEYS',
  /** A key file (JSON, or `id:base64key` lines); see {@link KeyFile}. */
  keyFile: 'PLANWRIGHT_ENCRYPTION_KEY_FILE',
} as const;

/** AES-256 takes a 32-byte key. */
export const KEY_BYTES = 32;
const GENERATE = 'generate one with `openssl rand -base64 32`';
const KEY_FILE_EXAMPLE = '{"keys": [{"id": "2026-02", "key": "<base64>"}, {"id": "2026-01", "key": "<base64>"}]}';
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One named key. Its id is stored beside every payload it encrypts; the key itself never leaves the process. */
export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  material: Buffer;
}

/** What a process does with payloads, resolved once at start. */
export interface EncryptionSettings {
  /** Whether new payloads are encrypted (with the first key). */
  encrypt: boolean;
  /** Every key this process decrypts with, the current one first; empty when none is configured. */
  keys: EncryptionKey[];
  /** Where the keys came from (a variable or a file), named in errors. */
  source: string;
}

/** The JSON key file. Keep it out of the repository and readable only by the processes that need it. */
export const KeyFile = z
  .strictObject({
    keys: z
      .array(
        z.strictObject({
          id: z.string().describe('Key id stored with each payload: letters, digits, ".", "_", "-"; at most 64'),
          key: z.string().describe('The key: base64 of 32 random bytes (`openssl rand -base64 32`)'),
        }),
      )
      .min(1)
      .describe('Known keys: the first encrypts new payloads, every one decrypts'),
  })
  .describe(`Payload encryption keys, the current one first, e.g. ${KEY_FILE_EXAMPLE}`);
export type KeyFile = z.infer<typeof KeyFile>;

/** Checks one key; `source` names where it came from in the error. */
export function parseKey(id: string, base64: string, source: string): EncryptionKey {
  if (!KEY_ID.test(id)) {
    throw new ConfigError(`${source}: key id "${id}" is invalid; use letters, digits, ".", "_" or "-" (at most 64)`);
  }
  // Buffer.from(…, 'base64') skips what it cannot read; a typo would silently give another key.
  if (!BASE64.test(base64)) throw new ConfigError(`${source}: key "${id}" is not valid base64; ${GENERATE}`);
  const material = Buffer.from(base64, 'base64');
  if (material.length !== KEY_BYTES) {
    throw new ConfigError(
      `${source}: key "${id}" is ${material.length} bytes; AES-256 needs ${KEY_BYTES}: ${GENERATE}`,
    );
  }
  return { id, material };
}

/** Parses `id:base64key,id:base64key` (or one per line), the current key first; the message never shows a key. */
export function parseKeySpec(spec: string, source: string): EncryptionKey[] {
  const entries = spec
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e && !e.startsWith('#'));
  if (entries.length === 0) throw new ConfigError(`${source} names no key; write id:base64key (${GENERATE})`);
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError(`${source}: entry ${i + 1} is not id:base64key; write e.g. 2026-01:<key> (${GENERATE})`);
    }
    return parseKey(entry.slice(0, colon).trim(), entry.slice(colon + 1).trim(), source);
  });
  return withUniqueIds(keys, source);
}

/** Parses a key file: JSON ({@link KeyFile}) or `id:base64key` lines (`#` starts a comment). */
export function parseKeyFile(text: string, file: string): EncryptionKey[] {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trimStart().startsWith('{')) return parseKeySpec(body, file);
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message}); fix the syntax`);
  }
  const parsed = KeyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `${file}: ${issue.path.join('.') || 'the file'}: ${issue.message}; write ${KEY_FILE_EXAMPLE}, the current key first`,
    );
  }
  return withUniqueIds(
    parsed.data.keys.map((k) => parseKey(k.id, k.key, file)),
    file,
  );
}

function withUniqueIds(keys: EncryptionKey[], source: string): EncryptionKey[] {
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new ConfigError(`${source}: key id "${id}" appears twice; give each key its own id`);
    seen.add(id);
  }
  return keys;
}

export interface ResolveEncryptionOptions {
  /** Resolves a relative key file path; default: the working directory. */
  cwd?: string;
  /** The key file the config file names (`encryption.keyFile`); the environment wins over it. */
  configKeyFile?: string;
}

/**
 * The encryption settings of this process: PLANWRIGHT_ENCRYPTION (on/off, default off) and the keys from
 * PLANWRIGHT_ENCRYPTION_KEYS, else PLANWRIGHT_ENCRYPTION_KEY_FILE, else the config file's key file. Keys given while
 * encryption is off are still checked, and used to read encrypted payloads. Throws a one-line ConfigError.
 */
export function resolveEncryptionSettings(
  env: NodeJS.ProcessEnv,
  options: ResolveEncryptionOptions = {},
): EncryptionSettings {
  const setting = (env[ENCRYPTION_ENV.setting] ?? '').trim().toLowerCase();
  if (!['', 'on', 'off'].includes(setting)) {
    throw new ConfigError(`${ENCRYPTION_ENV.setting}=${env[ENCRYPTION_ENV.setting]}: use on or off (default off)`);
  }
  const spec = env[ENCRYPTION_ENV.keys]?.trim();
  const envFile = env[ENCRYPTION_ENV.keyFile]?.trim();
  if (spec && envFile) throw new ConfigError(`set ${ENCRYPTION_ENV.keys} or ${ENCRYPTION_ENV.keyFile}, not both`);
  let keys: EncryptionKey[] = [];
  let source = '';
  if (spec) {
    source = ENCRYPTION_ENV.keys;
    keys = parseKeySpec(spec, source);
  } else if (envFile || options.configKeyFile) {
    const file = path.resolve(options.cwd ?? process.cwd(), envFile || options.configKeyFile!);
    source = envFile ? `${ENCRYPTION_ENV.keyFile}=${file}` : `encryption.keyFile ${file}`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError(
        `${source}: cannot read it (${code}); point it at a key file (README, "Encrypted payloads")`,
      );
    }
    keys = parseKeyFile(text, source);
  }
  if (setting === 'on' && keys.length === 0) {
    throw new ConfigError(
      `${ENCRYPTION_ENV.setting}=on needs a key: set ${ENCRYPTION_ENV.keys}=<id>:<base64 key> (${GENERATE}) ` +
        `or ${ENCRYPTION_ENV.keyFile}=<file>`,
    );
  }
  return { encrypt: setting === 'on', keys, source };
}
