import { randomUUID } from 'node:crypto';
import { apiFetch, createTestMerchant } from './stack';
import { queryDb } from './db';

// API.md: a key is remembered 24 hours. Past them it is forgotten: the same key with another body
// creates another payment, where within them it is refused 422.

test('a key past its 24 hours is taken by a new request; within them the same key with another body is 422', async () => {
  const { secretKey } = await createTestMerchant();
  const key = randomUUID();
  const body = (description: string) => ({ amount: 100, currency: 'CNY', channel: 'alipay_qr', description });
  const create = (description: string) =>
    apiFetch<{ id: string; error?: { code: string } }>(secretKey, 'POST', '/v1/payments', body(description), {
      'idempotency-key': key,
    });

  const first = await create('Retention first');
  expect(first.status).toBe(201);
  const reused = await create('Retention second');
  expect(reused.status).toBe(422);
  expect(reused.body.error?.code).toBe('idempotency_key_reused');

  await queryDb(`update idempotency_keys set created_at = now() - interval '25 hours' where key = $1`, [key]);
  const second = await create('Retention second');
  expect(second.status).toBe(201);
  expect(second.body.id).not.toBe(first.body.id);
  const replayed = await create('Retention second');
  expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  expect(replayed.body.id).toBe(second.body.id);
}, 60_000);
