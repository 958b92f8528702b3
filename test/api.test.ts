import { randomUUID } from 'node:crypto';
import { adminFetch, apiFetch, createTestMerchant, testStack } from './stack';
import { queryDb } from './db';

// The REST contract of API.md, against the real API, PostgreSQL and Temporal.

const body = { amount: 100, currency: 'CNY', channel: 'alipay_qr', description: 'Green tea' };

describe('authentication', () => {
  test('without a key: 401 authentication_error, with a Request-Id', async () => {
    const response = await fetch(`${testStack().api_url}/v1/payments`);
    expect(response.status).toBe(401);
    const json = (await response.json()) as { error: { type: string; request_id: string } };
    expect(json.error.type).toBe('authentication_error');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(json.error.request_id).toBe(response.headers.get('request-id'));
  });

  test('with an unknown or revoked key: 401', async () => {
    expect((await apiFetch('sk_test_doesnotexist', 'GET', '/v1/payments')).status).toBe(401);
    const { merchantId } = await createTestMerchant();
    const created = await adminFetch('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {});
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect(secret).toMatch(/^sk_test_/);
    expect((await apiFetch(secret, 'GET', '/v1/payments')).status).toBe(200);
    expect((await adminFetch('DELETE', `/v1/admin/api_keys/${id}`)).status).toBe(200);
    expect((await apiFetch(secret, 'GET', '/v1/payments')).status).toBe(401);
  });

  test('keys are stored hashed, never in clear', async () => {
    const { secretKey } = await createTestMerchant();
    const rows = await queryDb<{ key_hash: string; redacted: string }>('select key_hash, redacted from api_keys');
    expect(rows.some((row) => row.key_hash.includes(secretKey) || row.redacted === secretKey)).toBe(false);
    const credentials = await queryDb<{ credentials_encrypted: string }>(
      'select credentials_encrypted from provider_accounts',
    );
    expect(credentials.length).toBeGreaterThan(0);
    for (const row of credentials) expect(row.credentials_encrypted).not.toMatch(/PRIVATE KEY/);
  });

  test('admin routes refuse merchant keys and wrong tokens', async () => {
    const { secretKey } = await createTestMerchant();
    const asMerchant = await fetch(`${testStack().api_url}/v1/admin/merchants`, {
      headers: { authorization: `Bearer ${secretKey}` },
    });
    expect(asMerchant.status).toBe(401);
    const wrong = await fetch(`${testStack().api_url}/v1/admin/merchants`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });

  test("a merchant's key never reaches another merchant's payments: 404 as if they did not exist", async () => {
    const a = await createTestMerchant();
    const b = await createTestMerchant();
    const created = await apiFetch(a.secretKey, 'POST', '/v1/payments', body);
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const other = await apiFetch(b.secretKey, 'GET', `/v1/payments/${id}`);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { type: 'not_found_error', param: 'id' } });
    expect((await apiFetch(b.secretKey, 'POST', `/v1/payments/${id}/cancel`)).status).toBe(404);
    const list = await apiFetch(b.secretKey, 'GET', '/v1/payments');
    expect((list.body as { data: unknown[] }).data).toHaveLength(0);
  });
});

describe('bad input gets a clear error naming the field, never a 500', () => {
  let key: string;
  beforeAll(async () => {
    ({ secretKey: key } = await createTestMerchant());
  });

  test.each([
    [{ ...body, amount: -1 }, 'amount'],
    [{ ...body, amount: 0 }, 'amount'],
    [{ ...body, amount: 1.5 }, 'amount'],
    [{ ...body, amount: '100' }, 'amount'],
    [{ ...body, currency: 'USD' }, 'currency'],
    [{ ...body, channel: 'paypal' }, 'channel'],
    [{ ...body, description: 'x'.repeat(129) }, 'description'],
    [{ ...body, expires_in: 30 }, 'expires_in'],
    [{ ...body, metadata: { order: 42 } }, 'metadata[order]'],
    [{ ...body, colour: 'red' }, 'colour'],
    [{ ...body, channel: 'wechat_jsapi' }, 'openid'],
    [{ amount: 100, currency: 'CNY', channel: 'alipay_qr' }, 'description'],
  ])('%j → 400 on %s', async (input, param) => {
    const response = await apiFetch(key, 'POST', '/v1/payments', input);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', param } });
  });

  test('a malformed JSON body → 400', async () => {
    const response = await fetch(`${testStack().api_url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"amount": 100,',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  test('an unknown payment id → 404, a malformed one → 400', async () => {
    expect((await apiFetch(key, 'GET', '/v1/payments/pay_doesnotexist')).status).toBe(404);
    expect((await apiFetch(key, 'GET', '/v1/payments/nope')).body).toMatchObject({ error: { param: 'id' } });
  });

  test('a bad list filter names the parameter', async () => {
    const response = await apiFetch(key, 'GET', '/v1/payments?limit=500');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { param: 'limit' } });
    expect((await apiFetch(key, 'GET', '/v1/payments?created[gte]=yesterday')).body).toMatchObject({
      error: { param: 'created[gte]' },
    });
  });

  test('an unknown route → 404 with the error format', async () => {
    const response = await apiFetch(key, 'GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  test('a second payment with the same merchant_order_no → 409, and the first is untouched', async () => {
    const orderNo = `order-${randomUUID()}`;
    const first = await apiFetch(key, 'POST', '/v1/payments', { ...body, merchant_order_no: orderNo });
    expect(first.status).toBe(201);
    const second = await apiFetch(key, 'POST', '/v1/payments', { ...body, merchant_order_no: orderNo, amount: 200 });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: { type: 'conflict_error', param: 'merchant_order_no' } });
    const stored = await apiFetch(key, 'GET', `/v1/payments?merchant_order_no=${orderNo}`);
    expect((stored.body as { data: { amount: number }[] }).data).toEqual([expect.objectContaining({ amount: 100 })]);
  });
});

describe('control characters are refused in every text field, naming it, before anything is stored', () => {
  let key: string;
  beforeAll(async () => {
    ({ secretKey: key } = await createTestMerchant());
  });

  // A NUL reached PostgreSQL before: openPayment failed, and the payment's workflow retried for ever.
  test.each([
    [{ ...body, description: 'Green\u0000tea' }, 'description'],
    [{ ...body, description: 'Green\u0085tea' }, 'description'],
    [{ ...body, description: 'Green\ud800tea' }, 'description'],
    [{ ...body, customer: 'cus_\u0000' }, 'customer'],
    [{ ...body, channel: 'wechat_jsapi', openid: 'o\u0000x' }, 'openid'],
    [{ ...body, metadata: { order: 'a\u0000b' } }, 'metadata[order]'],
    [{ ...body, metadata: { 'ord\u0000er': 'ab' } }, 'metadata'],
    [{ ...body, return_url: 'https://shop.example/\u0000' }, 'return_url'],
  ])('%j → 400 on %s', async (input, param) => {
    const response = await apiFetch(key, 'POST', '/v1/payments', input);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_invalid', param } });
  });

  test('in refunds, checkout sessions, query strings and the Idempotency-Key header too', async () => {
    const refund = await apiFetch(key, 'POST', '/v1/refunds', { payment: 'pay_abc', reason: 'no\u0000' });
    expect(refund.body).toMatchObject({ error: { param: 'reason' } });
    const session = await apiFetch(key, 'POST', '/v1/checkout/sessions', {
      currency: 'CNY',
      line_items: [{ name: 'Tea\u0007', quantity: 1, unit_amount: 100 }],
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/cancel',
    });
    expect(session.body).toMatchObject({ error: { param: 'line_items[0][name]' } });
    const list = await apiFetch(key, 'GET', `/v1/payments?merchant_order_no=${encodeURIComponent('a\u0000b')}`);
    expect(list.status).toBe(400);
    expect(list.body).toMatchObject({ error: { param: 'merchant_order_no' } });
    // A header's bytes are Latin-1 to Node: 0x85 arrives as the C1 control U+0085.
    const keyed = await apiFetch(key, 'POST', '/v1/payments', body, { 'Idempotency-Key': 'key\u0085' });
    expect(keyed.status).toBe(400);
    expect(keyed.body).toMatchObject({ error: { param: 'Idempotency-Key' } });
  });
});

describe("a merchant's channels are routed to provider accounts", () => {
  test('a new test-mode merchant has every sandbox channel routed to its own sandbox account', async () => {
    const { merchantId } = await createTestMerchant();
    const routes = await queryDb<{ channel: string; provider: string; merchant_id: string }>(
      `select r.channel, a.provider, a.merchant_id from channel_routes r join provider_accounts a on a.id = r.provider_account_id where r.merchant_id = $1 and not r.livemode order by r.channel`,
      [merchantId],
    );
    expect(routes.map((r) => `${r.provider}:${r.channel}`)).toEqual([
      'alipay:alipay_pc',
      'alipay:alipay_qr',
      'alipay:alipay_wap',
      'unionpay:unionpay_pc',
      'unionpay:unionpay_wap',
      'wechatpay:wechat_h5',
      'wechatpay:wechat_jsapi',
      'wechatpay:wechat_native',
    ]);
    expect(routes.every((r) => r.merchant_id === merchantId)).toBe(true);
  });

  test('a channel without a route is refused, naming the channel, and other channels still work', async () => {
    const { merchantId, secretKey } = await createTestMerchant();
    await queryDb(`delete from channel_routes where merchant_id = $1 and channel = 'alipay_wap'`, [merchantId]);
    const refused = await apiFetch(secretKey, 'POST', '/v1/payments', { ...body, channel: 'alipay_wap' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'channel_not_configured', param: 'channel' } });
    expect((await apiFetch(secretKey, 'POST', '/v1/payments', body)).status).toBe(201);
  });
});

describe('a merchant created before a provider existed', () => {
  test('gets its sandbox account and channel routes when the admin asks, once', async () => {
    const { merchantId, secretKey } = await createTestMerchant();
    // As if WeChat Pay had not existed when the merchant was created.
    await queryDb(`delete from channel_routes where merchant_id = $1 and channel like 'wechat_%'`, [merchantId]);
    await queryDb(`delete from provider_accounts where merchant_id = $1 and provider = 'wechatpay'`, [merchantId]);
    const before = await apiFetch(secretKey, 'POST', '/v1/payments', { ...body, channel: 'wechat_native' });
    expect(before.body).toMatchObject({ error: { code: 'channel_not_configured', param: 'channel' } });

    const opened = await adminFetch('POST', `/v1/admin/merchants/${merchantId}/sandbox_accounts`, {});
    expect(opened).toMatchObject({ status: 200, body: { merchant: merchantId, opened: ['wechatpay'] } });
    expect((await apiFetch(secretKey, 'POST', '/v1/payments', { ...body, channel: 'wechat_native' })).status).toBe(201);
    expect((await adminFetch('POST', `/v1/admin/merchants/${merchantId}/sandbox_accounts`, {})).body).toMatchObject({
      opened: [],
    });
    expect((await adminFetch('POST', '/v1/admin/merchants/mer_doesnotexist/sandbox_accounts', {})).status).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  let key: string;
  beforeAll(async () => {
    ({ secretKey: key } = await createTestMerchant());
  });

  test('the same key and body replays the first response byte for byte, and creates one payment', async () => {
    const idempotencyKey = randomUUID();
    const send = () =>
      fetch(`${testStack().api_url}/v1/payments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ ...body, merchant_order_no: idempotencyKey }),
      });
    const first = await send();
    const firstText = await first.text();
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await send();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.text()).toBe(firstText);
    const list = await apiFetch(key, 'GET', `/v1/payments?merchant_order_no=${idempotencyKey}`);
    expect((list.body as { data: unknown[] }).data).toHaveLength(1);
  });

  test('the same key with another body → 422 idempotency_error', async () => {
    const idempotencyKey = randomUUID();
    expect((await apiFetch(key, 'POST', '/v1/payments', body, { 'idempotency-key': idempotencyKey })).status).toBe(201);
    const reused = await apiFetch(
      key,
      'POST',
      '/v1/payments',
      { ...body, amount: 101 },
      { 'idempotency-key': idempotencyKey },
    );
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: { type: 'idempotency_error' } });
  });

  test('the same key while the first request still runs → 409, and only one payment exists', async () => {
    const idempotencyKey = randomUUID();
    const input = { ...body, merchant_order_no: idempotencyKey };
    const [a, b] = await Promise.all([
      apiFetch(key, 'POST', '/v1/payments', input, { 'idempotency-key': idempotencyKey }),
      apiFetch(key, 'POST', '/v1/payments', input, { 'idempotency-key': idempotencyKey }),
    ]);
    // Either the second arrived while the first ran (409), or after it finished (a replay).
    expect([
      [201, 409],
      [201, 201],
    ]).toContainEqual([a.status, b.status].sort());
    const list = await apiFetch(key, 'GET', `/v1/payments?merchant_order_no=${idempotencyKey}`);
    expect((list.body as { data: unknown[] }).data).toHaveLength(1);
  });

  test('a request rejected by validation is not stored: fixed and retried with the same key, it succeeds', async () => {
    const idempotencyKey = randomUUID();
    expect(
      (await apiFetch(key, 'POST', '/v1/payments', { ...body, amount: -1 }, { 'idempotency-key': idempotencyKey }))
        .status,
    ).toBe(400);
    expect((await apiFetch(key, 'POST', '/v1/payments', body, { 'idempotency-key': idempotencyKey })).status).toBe(201);
  });

  test("an admin's POST honours it too: a retried merchant creation replays the first, one merchant and one key", async () => {
    const idempotencyKey = randomUUID();
    const input = { name: `Idempotent merchant ${idempotencyKey}` };
    const first = await adminFetch<{ merchant: { id: string } }>('POST', '/v1/admin/merchants', input, {
      'idempotency-key': idempotencyKey,
    });
    expect(first.status).toBe(201);
    const second = await adminFetch('POST', '/v1/admin/merchants', input, { 'idempotency-key': idempotencyKey });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await queryDb('select id from merchants where name = $1', [input.name])).toEqual([
      { id: first.body.merchant.id },
    ]);
    expect(await queryDb('select id from api_keys where merchant_id = $1', [first.body.merchant.id])).toHaveLength(1);
    // Keys are per owner: the same key in a merchant's request is a key of its own.
    expect((await apiFetch(key, 'POST', '/v1/payments', body, { 'idempotency-key': idempotencyKey })).status).toBe(201);
  });
});

describe('lists', () => {
  test('newest first, paginated with limit and starting_after', async () => {
    const { secretKey } = await createTestMerchant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await apiFetch(secretKey, 'POST', '/v1/payments', body)).body as { id: string }).id);
    const page1 = (await apiFetch(secretKey, 'GET', '/v1/payments?limit=2')).body as {
      object: string;
      data: { id: string }[];
      has_more: boolean;
    };
    expect(page1.object).toBe('list');
    expect(page1.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    expect(page1.has_more).toBe(true);
    const page3 = (await apiFetch(secretKey, 'GET', `/v1/payments?limit=2&starting_after=${ids[1]}`)).body as {
      data: { id: string }[];
      has_more: boolean;
    };
    expect(page3.data.map((p) => p.id)).toEqual([ids[0]]);
    expect(page3.has_more).toBe(false);
    const filtered = (await apiFetch(secretKey, 'GET', '/v1/payments?status=succeeded')).body as { data: unknown[] };
    expect(filtered.data).toHaveLength(0);
  });

  test('the admin sees payments of every merchant', async () => {
    const a = await createTestMerchant();
    const created = (await apiFetch(a.secretKey, 'POST', '/v1/payments', body)).body as { id: string };
    const all = (await adminFetch('GET', '/v1/admin/payments?limit=100')).body as { data: { id: string }[] };
    expect(all.data.map((p) => p.id)).toContain(created.id);
    const merchants = (await adminFetch('GET', '/v1/admin/merchants?limit=100')).body as { data: { id: string }[] };
    expect(merchants.data.map((m) => m.id)).toContain(a.merchantId);
  });
});
