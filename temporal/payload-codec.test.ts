import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createCodecServer } from './codec-server';
import { EncryptionCodec, payloadFromJson, payloadToJson, PayloadKeyMismatchError } from './payload-codec';

const key = () => randomBytes(32).toString('base64');
const shopper = { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', clientIp: '203.0.113.7', metadata: { order: '茶-42' } };

describe('payloads Temporal stores are encrypted', () => {
  test('what a workflow receives is stored as ciphertext and decodes back to the same payload', async () => {
    const codec = new EncryptionCodec(key());
    const payload = defaultPayloadConverter.toPayload(shopper);
    const [stored] = await codec.encode([payload]);
    const bytes = Buffer.from(stored.data!).toString('latin1');
    expect(bytes).not.toContain('oUpF8uMuAJO');
    expect(bytes).not.toContain('203.0.113.7');
    expect(Buffer.from(stored.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const [decoded] = await codec.decode([stored]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(shopper);
    expect(payloadToJson(decoded)).toEqual(payloadToJson(payload));
  });

  test('each encoding uses a fresh nonce: the same input never gives the same ciphertext', async () => {
    const codec = new EncryptionCodec(key());
    const payload = defaultPayloadConverter.toPayload(shopper);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  test('payloads recorded in clear (test/histories/) pass through decode unchanged, so old histories replay', async () => {
    const codec = new EncryptionCodec(key());
    const dir = path.join(__dirname, '..', 'test', 'histories');
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.json'))!;
    const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const clear: Payload[] =
      history.events[0].workflowExecutionStartedEventAttributes.input.payloads.map(payloadFromJson);
    expect(clear.length).toBeGreaterThan(0);
    expect(await codec.decode(clear)).toEqual(clear);
  });

  test('a payload encrypted with another key is refused, naming the cause', async () => {
    const [stored] = await new EncryptionCodec(key()).encode([defaultPayloadConverter.toPayload(shopper)]);
    await expect(new EncryptionCodec(key()).decode([stored])).rejects.toBeInstanceOf(PayloadKeyMismatchError);
  });

  test('a key that is not 32 bytes is refused', () => {
    expect(() => new EncryptionCodec(Buffer.from('short').toString('base64'))).toThrow(/TONGBAO_PAYLOAD_KEY/);
  });
});

describe('the codec server the Web UI decodes histories with', () => {
  const uiOrigin = 'http://127.0.0.1:8233';
  const payloadKey = key();
  const server = createCodecServer({ payloadKey, uiOrigin });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (route: string, body: unknown, origin = uiOrigin) =>
    fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-namespace': 'default' },
      body: JSON.stringify(body),
    });

  test('decodes what the worker encrypted into the JSON payloads the UI shows, with CORS for the UI', async () => {
    const [stored] = await new EncryptionCodec(payloadKey).encode([defaultPayloadConverter.toPayload(shopper)]);
    const response = await post('/decode', { payloads: [payloadToJson(stored)] });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const { payloads } = (await response.json()) as { payloads: ReturnType<typeof payloadToJson>[] };
    expect(Buffer.from(payloads[0].metadata!.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data!, 'base64').toString())).toEqual(shopper);
  });

  test('encodes, and what it encodes decodes again', async () => {
    const clear = payloadToJson(defaultPayloadConverter.toPayload({ reason: 'retry' }));
    const encoded = (await (await post('/encode', { payloads: [clear] })).json()) as { payloads: unknown[] };
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: unknown[] };
    expect(decoded.payloads).toEqual([clear]);
  });

  test("answers the UI's preflight, and refuses other origins", async () => {
    const preflight = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
    const foreign = await post('/decode', { payloads: [] }, 'http://evil.localhost');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
