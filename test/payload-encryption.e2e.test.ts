import { Client, Connection } from '@temporalio/client';
import { payloadToJson, type PayloadJson } from '../temporal/payload-codec';
import { apiFetch, createTestMerchant, testStack } from './stack';

/** Every payload (an object with `data` bytes and `metadata`) anywhere in a history. */
function payloadsIn(value: unknown, found: { metadata?: unknown; data?: Uint8Array | null }[] = []) {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return found;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && typeof record.metadata === 'object') {
    found.push(record as { metadata?: unknown; data?: Uint8Array });
    return found;
  }
  for (const field of Object.values(record)) payloadsIn(field, found);
  return found;
}

describe('Temporal never stores what shoppers and merchants send in clear', () => {
  test("a payment's metadata is encrypted in its history, and the stack's codec server decrypts it for the Web UI", async () => {
    const { secretKey } = await createTestMerchant();
    const marker = `vip-shopper-${Date.now()}`;
    const created = await apiFetch<{ id: string }>(secretKey, 'POST', '/v1/payments', {
      amount: 1200,
      currency: 'CNY',
      channel: 'alipay_qr',
      description: 'Longjing, 100 g',
      metadata: { note: marker },
    });
    expect(created.status).toBe(201);

    // What the server holds, read without the key. (Search attributes stay in clear on purpose:
    // support finds workflows by them; none carries personal data.)
    const connection = await Connection.connect({ address: testStack().temporal_address });
    let stored: ReturnType<typeof payloadsIn>;
    try {
      const client = new Client({ connection, namespace: testStack().temporal_namespace });
      const history = await client.workflow.getHandle(`payment/${created.body.id}`).fetchHistory();
      stored = payloadsIn(history.events);
    } finally {
      await connection.close();
    }
    expect(stored.length).toBeGreaterThan(0);
    for (const payload of stored) {
      expect(Buffer.from(payload.data ?? []).toString('latin1')).not.toContain(marker);
    }

    // What support staff see: the UI posts the payloads to the codec endpoint from its origin.
    const response = await fetch(`${testStack().codec_url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: testStack().temporal_ui_url, 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: stored.map((payload) => payloadToJson(payload as never)) }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(testStack().temporal_ui_url);
    const { payloads } = (await response.json()) as { payloads: PayloadJson[] };
    const decoded = payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString('utf8')).join('\n');
    expect(decoded).toContain(marker);
  });
});
