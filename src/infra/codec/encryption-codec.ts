import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ENCRYPTION_ENV, type EncryptionKey } from '../../config/encryption';
import { PayloadCodecError } from './errors';

/** The encoding of an encrypted payload: its data is IV, ciphertext and tag of the whole original payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted a payload; rotation decrypts by it. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata naming the cipher, so that a later format can be told apart. */
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadProto } = temporal.api.common.v1;
const textOf = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export interface EncryptionCodecOptions {
  /** Keys to decrypt with, the current one first; it encrypts. May be empty in a process that only reads plaintext. */
  keys: readonly EncryptionKey[];
  /** Encrypt what is encoded (default true); false passes it through, for the first step of a rollout. */
  encrypt?: boolean;
  /** Where the keys came from, named in errors; default PLANWRIGHT_ENCRYPTION_KEYS. */
  source?: string;
}

/**
 * AES-256-GCM over the whole serialized payload (metadata included), with a fresh random 96-bit IV per payload and
 * the key id as additional authenticated data. Decoding passes unencrypted payloads through, so a fleet can turn
 * encryption on after every process can read it, and decrypts with whichever known key the payload names.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: EncryptionKey | undefined;
  private readonly source: string;

  constructor(options: EncryptionCodecOptions) {
    this.keys = new Map(options.keys.map((k) => [k.id, k.material]));
    this.current = options.encrypt === false ? undefined : options.keys[0];
    this.source = options.source || ENCRYPTION_ENV.keys;
    if (options.encrypt !== false && !this.current) throw new PayloadCodecError('encryption needs at least one key');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.current;
    if (!key) return payloads;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(key.id));
      const sealed = [cipher.update(PayloadProto.encode(payload).finish()), cipher.final(), cipher.getAuthTag()];
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(key.id),
          [CIPHER_METADATA]: Buffer.from(CIPHER),
        },
        data: Buffer.concat([iv, ...sealed]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    if (textOf(metadata[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const id = textOf(metadata[KEY_ID_METADATA]);
    if (!id) throw new PayloadCodecError(`an encrypted payload has no ${KEY_ID_METADATA}; it was not written by us`);
    const cipherName = textOf(metadata[CIPHER_METADATA]) ?? CIPHER;
    if (cipherName !== CIPHER) {
      throw new PayloadCodecError(`payload of key "${id}" uses cipher ${cipherName}; this version reads ${CIPHER}`);
    }
    const material = this.keys.get(id);
    if (!material) throw new PayloadCodecError(this.unknownKeyMessage(id));
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadCodecError(`payload encrypted with key "${id}" is truncated (${data.length} bytes)`);
    }
    const decipher = createDecipheriv('aes-256-gcm', material, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadCodecError(
        `payload encrypted with key "${id}" fails authentication with the key named "${id}" in ${this.source}: ` +
          `that is another key, or the payload was altered; give every process the same key material for "${id}"`,
      );
    }
    return PayloadProto.decode(plain);
  }

  private unknownKeyMessage(id: string): string {
    const known = [...this.keys.keys()];
    const where = `${ENCRYPTION_ENV.keys} (or ${ENCRYPTION_ENV.keyFile})`;
    return known.length === 0
      ? `payload is encrypted with key "${id}" and this process has no keys; set ${where} to the keys its writers use`
      : `payload is encrypted with key "${id}", which is not among this process's keys (${known.join(', ')} from ` +
          `${this.source}); add "${id}" after the current key in ${where}`;
  }
}
