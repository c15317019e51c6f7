/** The payload codecs (AES-256-GCM, gzip), key rotation, and the key settings' errors; no server. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ApplicationFailure,
  defaultPayloadConverter,
  type DataConverter,
  type FailureConverter,
  type Payload,
} from '@temporalio/common';
import { ConfigError } from '../../src/config';
import { resolveEncryptionSettings } from '../../src/config/encryption';
import { COMPRESSED_ENCODING } from '../../src/infra/codec/compression';
import { CIPHER, ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../src/infra/codec/encryption-codec';
import { PayloadCodecError } from '../../src/infra/codec/errors';
import { createDataConverter, decodePayload } from '../../src/infra/data-converter';

const newKey = () => randomBytes(32).toString('base64');
const K1 = newKey();
const K2 = newKey();
const on = (keys: string): DataConverter =>
  createDataConverter({ PLANWRIGHT_ENCRYPTION: 'on', PLANWRIGHT_ENCRYPTION_KEYS: keys });

async function encode(converter: DataConverter, value: unknown): Promise<Payload> {
  let payloads = [defaultPayloadConverter.toPayload(value)];
  for (const codec of converter.payloadCodecs ?? []) payloads = await codec.encode(payloads);
  return payloads[0]!;
}
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const SECRET = { goal: 'Sort the llamas of the quarterly ledger', prompt: 'You are a careful reviewer' };

describe('the encryption codec', () => {
  it('encrypts a payload with the current key, names the key and cipher, and decrypts it back', async () => {
    const converter = on(`k1:${K1}`);
    const sealed = await encode(converter, SECRET);
    assert.equal(text(sealed.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(sealed.metadata?.[KEY_ID_METADATA]), 'k1');
    assert.equal(text(sealed.metadata?.['encryption-cipher']), CIPHER);
    assert.doesNotMatch(text(sealed.data), /llama|json\/plain/);
    assert.deepEqual(await decodePayload(sealed, converter), SECRET);
    // A fresh IV per payload: the same value never encrypts to the same bytes.
    assert.notDeepEqual((await encode(converter, SECRET)).data, sealed.data);
  });

  it('compresses payloads above 1 KiB before encrypting, marks them, and reverses both', async () => {
    const converter = on(`k1:${K1}`);
    const large = { output: 'The llama ledger is sorted. '.repeat(400) };
    const sealed = await encode(converter, large);
    assert.ok(sealed.data!.length < 2000, `compressed and encrypted: ${sealed.data!.length} bytes`);
    const [inner] = await new EncryptionCodec({ keys: [{ id: 'k1', material: Buffer.from(K1, 'base64') }] }).decode([
      sealed,
    ]);
    assert.equal(text(inner!.metadata?.encoding), COMPRESSED_ENCODING);
    assert.deepEqual(await decodePayload(sealed, converter), large);
    const [smallInner] = await new EncryptionCodec({
      keys: [{ id: 'k1', material: Buffer.from(K1, 'base64') }],
    }).decode([await encode(converter, SECRET)]);
    assert.equal(text(smallInner!.metadata?.encoding), 'json/plain', 'small payloads are not compressed');
  });

  it('rotates: k2 current encrypts new payloads and k1 still decrypts old ones', async () => {
    const old = await encode(on(`k1:${K1}`), SECRET);
    const rotated = on(`k2:${K2},k1:${K1}`);
    assert.deepEqual(await decodePayload(old, rotated), SECRET);
    const fresh = await encode(rotated, SECRET);
    assert.equal(text(fresh.metadata?.[KEY_ID_METADATA]), 'k2');
    assert.deepEqual(await decodePayload(fresh, rotated), SECRET);
  });

  it('names the key id and the fix when no key matches, and never returns garbage', async () => {
    const fresh = await encode(on(`k2:${K2}`), SECRET);
    await assert.rejects(decodePayload(fresh, on(`k1:${K1}`)), (err: Error) => {
      assert.ok(err instanceof PayloadCodecError);
      assert.match(err.message, /encrypted with key "k2", which is not among this process's keys \(k1 from/);
      assert.match(err.message, /add "k2" after the current key in PLANWRIGHT_ENCRYPTION_KEYS/);
      return true;
    });
    await assert.rejects(decodePayload(fresh, createDataConverter({})), /key "k2" and this process has no keys; set/);
  });

  it('refuses a wrong key under the right id, and an altered payload, as failed authentication', async () => {
    const sealed = await encode(on(`k1:${K1}`), SECRET);
    await assert.rejects(
      decodePayload(sealed, on(`k1:${K2}`)),
      /key "k1" fails authentication with the key named "k1"/,
    );
    const data = Buffer.from(sealed.data!);
    data[20]! ^= 1;
    const altered = { ...sealed, data };
    await assert.rejects(decodePayload(altered, on(`k1:${K1}`)), PayloadCodecError);
  });

  it('passes plaintext through: off writes what it wrote before, and every process reads unencrypted payloads', async () => {
    const plain = defaultPayloadConverter.toPayload(SECRET);
    const off = createDataConverter({});
    assert.equal(off.failureConverterPath, undefined);
    assert.deepEqual(await encode(off, SECRET), plain);
    assert.deepEqual(await decodePayload(plain, off), SECRET);
    assert.deepEqual(await decodePayload(plain, on(`k1:${K1}`)), SECRET);
    // Off with keys: the first step of a rollout, writes plaintext and reads encrypted payloads.
    const readOnly = createDataConverter({ PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K1}` });
    assert.deepEqual(await encode(readOnly, SECRET), plain);
    assert.deepEqual(await decodePayload(await encode(on(`k1:${K1}`), SECRET), readOnly), SECRET);
  });

  it('encodes failure messages and stack traces as a payload when on, so the codecs encrypt them', async () => {
    const { failureConverterPath } = on(`k1:${K1}`);
    // Loaded by path, as the SDK loads it into workers, clients and the workflow bundle.
    const { failureConverter } = (await import(failureConverterPath!)) as { failureConverter: FailureConverter };
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'fixes required: Show evidence for llamas', type: 'T' }),
      defaultPayloadConverter,
    );
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace, '');
    assert.match(text(failure.encodedAttributes?.data), /Show evidence for llamas/);
  });
});

describe('encryption settings', () => {
  const fails = (env: NodeJS.ProcessEnv, pattern: RegExp) => {
    assert.throws(
      () => resolveEncryptionSettings(env),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, err.message);
        assert.match(err.message, pattern);
        assert.doesNotMatch(err.message, /\n/);
        for (const key of [K1, K2]) assert.ok(!err.message.includes(key), 'never shows a key');
        return true;
      },
    );
  };

  it('reads keys from PLANWRIGHT_ENCRYPTION_KEYS, the current one first, and is off by default', () => {
    const settings = resolveEncryptionSettings({ PLANWRIGHT_ENCRYPTION_KEYS: ` k2:${K2} , k1:${K1} ` });
    assert.deepEqual(
      settings.keys.map((k) => [k.id, k.material.length]),
      [
        ['k2', 32],
        ['k1', 32],
      ],
    );
    assert.equal(settings.encrypt, false);
    assert.equal(
      resolveEncryptionSettings({ PLANWRIGHT_ENCRYPTION: 'ON', PLANWRIGHT_ENCRYPTION_KEYS: `a:${K1}` }).encrypt,
      true,
    );
  });

  it('reads a JSON or a lines key file, by variable or from the config file, relative to the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-keys-'));
    writeFileSync(
      path.join(dir, 'keys.json'),
      JSON.stringify({
        keys: [
          { id: 'k2', key: K2 },
          { id: 'k1', key: K1 },
        ],
      }),
    );
    writeFileSync(path.join(dir, 'keys.txt'), `# rotated 2026-02\nk2:${K2}\n\nk1:${K1}\n`);
    const ids = (s: ReturnType<typeof resolveEncryptionSettings>) => s.keys.map((k) => k.id);
    assert.deepEqual(ids(resolveEncryptionSettings({ PLANWRIGHT_ENCRYPTION_KEY_FILE: 'keys.json' }, { cwd: dir })), [
      'k2',
      'k1',
    ]);
    assert.deepEqual(ids(resolveEncryptionSettings({}, { cwd: dir, configKeyFile: 'keys.txt' })), ['k2', 'k1']);
  });

  it('refuses malformed keys and settings with one line naming the variable and the fix', () => {
    const short = randomBytes(16).toString('base64');
    fails({ PLANWRIGHT_ENCRYPTION_KEYS: 'k1' }, /PLANWRIGHT_ENCRYPTION_KEYS: entry 1 is not id:base64key/);
    fails(
      { PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K1.slice(1)}` },
      /key "k1" is not valid base64; generate one with `openssl rand -base64 32`/,
    );
    fails({ PLANWRIGHT_ENCRYPTION_KEYS: `k1:${short}` }, /key "k1" is 16 bytes; AES-256 needs 32: generate one/);
    fails({ PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K1},k1:${K2}` }, /key id "k1" appears twice/);
    fails({ PLANWRIGHT_ENCRYPTION_KEYS: `my key:${K1}` }, /key id "my key" is invalid/);
    fails({ PLANWRIGHT_ENCRYPTION: 'on' }, /PLANWRIGHT_ENCRYPTION=on needs a key: set PLANWRIGHT_ENCRYPTION_KEYS=/);
    fails({ PLANWRIGHT_ENCRYPTION: 'yes' }, /PLANWRIGHT_ENCRYPTION=yes: use on or off/);
    fails({ PLANWRIGHT_ENCRYPTION_KEYS: `k1:${K1}`, PLANWRIGHT_ENCRYPTION_KEY_FILE: 'k' }, /not both/);
    fails(
      { PLANWRIGHT_ENCRYPTION_KEY_FILE: '/nonexistent/keys.json' },
      /KEY_FILE=\/nonexistent\/keys.json: cannot read it \(ENOENT\)/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-keys-'));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ keys: [{ id: 'k1', secret: K1 }] }));
    fails(
      { PLANWRIGHT_ENCRYPTION_KEY_FILE: path.join(dir, 'bad.json') },
      /bad\.json: keys\.0(\.key)?: .*; write \{"keys": \[\{"id"/,
    );
  });
});
