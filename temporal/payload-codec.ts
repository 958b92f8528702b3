/**
 * Encrypts every payload Temporal stores (workflow inputs and results, activity arguments,
 * signals, updates, queries): they carry shoppers' openids, IP addresses and merchants' metadata,
 * and the Temporal server, its database and its Web UI must not hold them in clear.
 * AES-256-GCM with TONGBAO_PAYLOAD_KEY (base64 of 32 bytes). Support staff read histories through
 * the codec server (codec-server.ts), which the Web UI calls with the encrypted payloads.
 *
 * Payloads that are not encrypted (histories recorded before the codec, test/histories/) pass
 * through decode unchanged, so they still replay.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a payload was encrypted with another key than this process's TONGBAO_PAYLOAD_KEY. */
export class PayloadKeyMismatchError extends Error {
  constructor(keyId: string) {
    super(`payload encrypted with key ${keyId}, not with this process's TONGBAO_PAYLOAD_KEY`);
    this.name = 'PayloadKeyMismatchError';
  }
}

/** Raised when TONGBAO_PAYLOAD_KEY is not base64 of 32 bytes. */
export class PayloadKeyError extends Error {}

const text = (value: string) => new TextEncoder().encode(value);
const str = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');
const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');

/** A payload as JSON (the shape the codec server speaks too): metadata values and data in base64. */
export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadToJson(payload: Payload): PayloadJson {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, b64(v)]));
  return { metadata, data: b64(payload.data) };
}

export function payloadFromJson(json: PayloadJson): Payload {
  const metadata = Object.fromEntries(
    Object.entries(json.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  );
  return { metadata, data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')) };
}

export class EncryptionCodec implements PayloadCodec {
  private readonly key: Buffer;
  /** Names the key (not secret): a payload from another key fails with a clear error, and rotation stays possible. */
  readonly keyId: string;

  constructor(base64Key: string) {
    this.key = Buffer.from(base64Key, 'base64');
    if (this.key.length !== 32) throw new PayloadKeyError('TONGBAO_PAYLOAD_KEY must be base64 of exactly 32 bytes');
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 16);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = Buffer.from(JSON.stringify(payloadToJson(payload)), 'utf8');
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID]: text(this.keyId) },
        data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ciphertext])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (str(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = str(payload.metadata?.[KEY_ID]);
      if (keyId !== this.keyId) throw new PayloadKeyMismatchError(keyId);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return payloadFromJson(JSON.parse(plain.toString('utf8')) as PayloadJson);
    });
  }
}

/** The data converter of the worker and of every client: the default converter, then encryption. */
export function tongbaoDataConverter(payloadKey: string): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(payloadKey)] };
}
