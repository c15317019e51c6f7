import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { PayloadCodecError } from './errors';

/** The encoding of a payload this codec compressed: gzip of the whole original payload (metadata and data). */
export const COMPRESSED_ENCODING = 'binary/gzip';
/** Payloads smaller than this (serialized) are left alone: gzip's header would outweigh the gain. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 1024;
/** The most one payload may inflate to; bounds what a crafted payload can make a worker or codec server allocate. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const { Payload: PayloadProto } = temporal.api.common.v1;
const textOf = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export interface CompressionCodecOptions {
  /** Serialized payloads from this size on are compressed; default 1 KiB. */
  thresholdBytes?: number;
}

/**
 * Compresses large payloads before the encryption codec sees them (ciphertext does not compress), marking them
 * `encoding: binary/gzip`; decoding reverses it and passes every other payload through unchanged.
 */
export class CompressionCodec implements PayloadCodec {
  private readonly thresholdBytes: number;

  constructor(options: CompressionCodecOptions = {}) {
    this.thresholdBytes = options.thresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const plain = PayloadProto.encode(payload).finish();
        if (plain.length < this.thresholdBytes) return payload;
        const packed = await gzipAsync(plain);
        // Already-compressed data (images, archives) can grow; keep it as it was.
        if (packed.length >= plain.length) return payload;
        return { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(COMPRESSED_ENCODING) }, data: packed };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (textOf(payload.metadata?.[METADATA_ENCODING_KEY]) !== COMPRESSED_ENCODING) return payload;
        try {
          const plain = await gunzipAsync(payload.data ?? new Uint8Array(), { maxOutputLength: MAX_INFLATED_BYTES });
          return PayloadProto.decode(plain);
        } catch (err) {
          throw new PayloadCodecError(
            `a ${COMPRESSED_ENCODING} payload cannot be decompressed (${(err as Error).message}); it was altered or ` +
              `inflates beyond ${MAX_INFLATED_BYTES / 2 ** 20} MiB`,
          );
        }
      }),
    );
  }
}
