// The console's settings, end to end through the real API and PostgreSQL: the hosted checkout's
// branding (GET/POST /v1/account) and the merchant's own secret keys (create, roll, revoke).
import { queryDb } from './db';
import { consoleFetch, ownerSession } from './kratos-sessions';
import { apiFetch, createTestMerchant, eventually, testStack, type FetchResult } from './stack';

/**
 * API keys are managed in the console, signed in (a leaked key must not mint keys, nor roll the
 * merchant's own away): calls as an owner of `merchantId`.
 */
async function keysOf(merchantId: string) {
  const session = await ownerSession(merchantId);
  return <T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<FetchResult<T>> =>
    consoleFetch<T>(session, method, path, { merchant: merchantId, body });
}

/** The smallest PNG: one transparent pixel. */
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>';

interface Account {
  id: string;
  object: string;
  name: string;
  display_name: string | null;
  logo: string | null;
  brand_color: string | null;
  default_locale: string | null;
}

interface ApiKeyBody {
  id: string;
  object: string;
  livemode: boolean;
  name: string | null;
  redacted: string;
  secret?: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

interface ErrorBody {
  error: { type: string; code: string; param: string | null; message: string };
}

async function newSession(key: string, body: Record<string, unknown> = {}) {
  return apiFetch<{ id: string; locale: string }>(key, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea', quantity: 1, unit_amount: 1299 }],
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
    ...body,
  });
}

describe('the hosted checkout branding (POST /v1/account)', () => {
  test('a merchant sets its display name, logo, colour and language; the hosted checkout shows them, and a session without locale takes it', async () => {
    const { merchantId, secretKey: key } = await createTestMerchant('Tea House Ltd');
    const before = await apiFetch<Account>(key, 'GET', '/v1/account');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      id: merchantId,
      object: 'account',
      name: 'Tea House Ltd',
      display_name: null,
      logo: null,
      brand_color: null,
      default_locale: null,
    });

    const updated = await apiFetch<Account>(key, 'POST', '/v1/account', {
      display_name: '茶叶小铺 Tea House',
      logo: `data:image/png;base64,${PNG_1PX.toString('base64')}`,
      brand_color: '#0A58CA',
      default_locale: 'en-US',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      display_name: '茶叶小铺 Tea House',
      logo: `data:image/png;base64,${PNG_1PX.toString('base64')}`,
      brand_color: '#0a58ca',
      default_locale: 'en-US',
    });
    expect((await apiFetch<Account>(key, 'GET', '/v1/account')).body).toEqual(updated.body);

    const session = await newSession(key);
    expect(session.status).toBe(201);
    expect(session.body.locale).toBe('en-US');
    expect((await newSession(key, { locale: 'zh-CN' })).body.locale).toBe('zh-CN');
    const shown = await fetch(`${testStack().api_url}/checkout/sessions/${session.body.id}`);
    expect(await shown.json()).toMatchObject({
      locale: 'en-US',
      merchant: { name: '茶叶小铺 Tea House', logo: updated.body.logo, brand_color: '#0a58ca' },
    });

    // A partial update leaves the other fields; null clears one.
    const cleared = await apiFetch<Account>(key, 'POST', '/v1/account', { logo: null, display_name: null });
    expect(cleared.body).toMatchObject({
      display_name: null,
      logo: null,
      brand_color: '#0a58ca',
      default_locale: 'en-US',
    });
  });

  test('an SVG (even labelled PNG), an oversized or broken logo and a bad colour are 400s naming the field', async () => {
    const { secretKey: key } = await createTestMerchant();
    const refused: [Record<string, unknown>, string, string][] = [
      [{ logo: `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}` }, 'logo', 'SVG'],
      [{ logo: `data:image/png;base64,${Buffer.from(SVG).toString('base64')}` }, 'logo', 'PNG, JPEG or WebP'],
      [{ logo: Buffer.concat([PNG_1PX, Buffer.alloc(270 * 1024)]).toString('base64') }, 'logo', 'KiB'],
      [{ logo: 'not an image!' }, 'logo', 'base64'],
      [{ brand_color: 'blue' }, 'brand_color', '#RRGGBB'],
      [{ brand_color: '#12345' }, 'brand_color', '#RRGGBB'],
      [{ default_locale: 'fr-FR' }, 'default_locale', ''],
      [{ display_name: '' }, 'display_name', ''],
      [{ name: 'Another name' }, 'name', 'unknown'],
    ];
    for (const [body, param, words] of refused) {
      const response = await apiFetch<ErrorBody>(key, 'POST', '/v1/account', body);
      expect({ body: Object.keys(body), status: response.status, param: response.body.error?.param }).toEqual({
        body: Object.keys(body),
        status: 400,
        param,
      });
      expect(response.body.error.message).toContain(words);
    }
    // Far beyond any logo: refused by size before it is read, as every body too large is.
    const huge = await apiFetch<ErrorBody>(key, 'POST', '/v1/account', { logo: 'A'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect((await apiFetch<Account>(key, 'GET', '/v1/account')).body.logo).toBeNull();
  });
});

describe("the merchant's own secret keys (/v1/api_keys)", () => {
  test('a new key is shown once, works at once, is listed redacted, and stops at once when revoked', async () => {
    const { merchantId, secretKey: key } = await createTestMerchant();
    const keys = await keysOf(merchantId);
    const byKey = await apiFetch<ErrorBody>(key, 'POST', '/v1/api_keys', { name: 'Minted by a key' });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.code).toBe('console_only');
    expect((await apiFetch(key, 'GET', '/v1/payments')).status).toBe(200);
    const created = await keys<ApiKeyBody>('POST', '/v1/api_keys', { name: 'Order service' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'api_key', livemode: false, name: 'Order service', expires_at: null });
    const secret = created.body.secret!;
    expect(secret).toMatch(/^sk_test_/);
    expect((await apiFetch(secret, 'GET', '/v1/payments')).status).toBe(200);
    const [stored] = await queryDb<{ key_hash: string }>(`select key_hash from api_keys where id = $1`, [
      created.body.id,
    ]);
    expect(stored.key_hash).not.toContain(secret.slice(8));

    const listed = await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(2);
    expect(listed.body.data[0]).toMatchObject({ id: created.body.id, redacted: created.body.redacted });
    expect(listed.text).not.toContain(secret);
    // The key that listed them has been used; the new one too.
    expect(listed.body.data.every((one) => one.last_used_at !== null)).toBe(true);
    expect((await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys?limit=1')).body).toMatchObject({
      has_more: true,
    });

    const revoked = await keys<ApiKeyBody>('POST', `/v1/api_keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await apiFetch<ErrorBody>(secret, 'GET', '/v1/payments')).status).toBe(401);
    expect((await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys')).body.data).toHaveLength(1);
    const again = await keys<ErrorBody>('POST', `/v1/api_keys/${created.body.id}/roll`, { expires_in: 0 });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'api_key_inactive', param: 'id' });
  });

  test('a rolled key with a short grace keeps working, then gets 401 once the grace is over', async () => {
    const { merchantId, secretKey: oldKey } = await createTestMerchant();
    const keys = await keysOf(merchantId);
    const listed = await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys');
    const oldId = listed.body.data[0].id;
    const rolled = await keys<ApiKeyBody>('POST', `/v1/api_keys/${oldId}/roll`, { expires_in: 3 });
    expect(rolled.status).toBe(201);
    const newKey = rolled.body.secret!;
    expect(rolled.body.id).not.toBe(oldId);

    // Within the grace both work, and the list shows when the old one stops.
    expect((await apiFetch(oldKey, 'GET', '/v1/payments')).status).toBe(200);
    expect((await apiFetch(newKey, 'GET', '/v1/payments')).status).toBe(200);
    const during = await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys');
    const old = during.body.data.find((one) => one.id === oldId)!;
    expect(old.expires_at).not.toBeNull();
    const graceEnds = Date.parse(old.expires_at!);

    // Asked again and again, so the API's key cache holds it: it must still let it go at its expiry.
    await eventually(
      async () => {
        const response = await apiFetch<ErrorBody>(oldKey, 'GET', '/v1/payments');
        expect(response.status).toBe(401);
        expect(response.body.error).toMatchObject({ type: 'authentication_error', code: 'api_key_invalid' });
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(graceEnds);
    expect((await apiFetch(newKey, 'GET', '/v1/payments')).status).toBe(200);
    const after = await keys<{ data: ApiKeyBody[] }>('GET', '/v1/api_keys');
    expect(after.body.data.map((one) => one.id)).toEqual([rolled.body.id]);
  });

  test('a roll with expires_in 0 stops the old key now; keys are per mode and per merchant; bad input is a 400 naming the field', async () => {
    const { merchantId } = await createTestMerchant();
    const other = await createTestMerchant();
    const keys = await keysOf(merchantId);
    const otherKeys = await keysOf(other.merchantId);
    const created = await keys<ApiKeyBody>('POST', '/v1/api_keys', {});
    expect(created.body.name).toBeNull();
    const rolled = await keys<ApiKeyBody>('POST', `/v1/api_keys/${created.body.id}/roll`, { expires_in: 0 });
    expect(rolled.status).toBe(201);
    expect((await apiFetch(created.body.secret!, 'GET', '/v1/payments')).status).toBe(401);
    expect((await apiFetch(rolled.body.secret!, 'GET', '/v1/payments')).status).toBe(200);

    const foreign = await otherKeys<ErrorBody>('POST', `/v1/api_keys/${rolled.body.id}/revoke`);
    expect(foreign.status).toBe(404);
    expect((await apiFetch(rolled.body.secret!, 'GET', '/v1/payments')).status).toBe(200);

    const bad: [string, unknown, string][] = [
      [`/v1/api_keys/${rolled.body.id}/roll`, { expires_in: 7 * 24 * 3600 + 1 }, 'expires_in'],
      [`/v1/api_keys/${rolled.body.id}/roll`, { expires_in: -1 }, 'expires_in'],
      [`/v1/api_keys/${rolled.body.id}/roll`, {}, 'expires_in'],
      ['/v1/api_keys/nope/roll', { expires_in: 0 }, 'id'],
      ['/v1/api_keys', { name: 'x'.repeat(101) }, 'name'],
      ['/v1/api_keys', { livemode: true }, 'livemode'],
    ];
    for (const [path, body, param] of bad) {
      const response = await keys<ErrorBody>('POST', path, body);
      expect({ path, status: response.status, param: response.body.error?.param }).toEqual({
        path,
        status: 400,
        param,
      });
    }
  });
});
