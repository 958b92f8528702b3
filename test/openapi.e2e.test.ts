import { randomUUID } from 'node:crypto';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import type { paths } from '../api/openapi-types';
import { queryDb } from './db';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

// A merchant's story told with the client generated from the document (openapi-fetch and
// api/openapi-types.ts), against the running stack: every answer must match the schema the
// document gives it, so a route that answers other than it says fails here.

interface Document {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: object;
}

let document: Document;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);

/** The validator of the answer `status` of `method path`, as the document served by the API states it. */
function schemaOf(method: string, path: string, status: number): ValidateFunction {
  const responses = document.paths[path]?.[method]?.responses;
  const response = responses?.[String(status)] ?? responses?.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the document has no JSON answer ${status} for ${method} ${path}`);
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')));
}

/** `answer` is a fetch Response or test/stack.ts's FetchResult: only its status is read. */
function expectMatches(method: string, path: string, response: { status: number }, body: unknown) {
  const validate = schemaOf(method, path, response.status);
  expect({
    answer: `${method} ${path} ${response.status}`,
    valid: validate(body),
    errors: validate.errors ?? null,
  }).toEqual({
    answer: `${method} ${path} ${response.status}`,
    valid: true,
    errors: null,
  });
}

beforeAll(async () => {
  const answer = await fetch(`${testStack().api_url}/v1/openapi.json`);
  expect(answer.status).toBe(200);
  document = (await answer.json()) as Document;
  ajv.addSchema({ components: document.components }, 'openapi');
});

test('the document is served without a key, as OpenAPI 3.1', () => {
  expect(document).toMatchObject({ openapi: '3.1.0' });
  expect(Object.keys(document.paths)).toContain('/v1/payments/{id}');
});

test('a merchant creates a payment, reads it, finds it in the list, and is told by name what is wrong with a bad one', async () => {
  const { secretKey } = await createTestMerchant();
  const api = createClient<paths>({ baseUrl: testStack().api_url, headers: { authorization: `Bearer ${secretKey}` } });

  const created = await api.POST('/v1/payments', {
    body: { amount: 1999, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set', metadata: { order: '1001' } },
  });
  expect(created.response.status).toBe(201);
  expectMatches('post', '/v1/payments', created.response, created.data);
  const payment = created.data!;
  expect(payment).toMatchObject({ amount: 1999, status: 'requires_action', metadata: { order: '1001' } });

  const read = await api.GET('/v1/payments/{id}', { params: { path: { id: payment.id } } });
  expect(read.response.status).toBe(200);
  expectMatches('get', '/v1/payments/{id}', read.response, read.data);
  expect(read.data!.id).toBe(payment.id);

  const listed = await api.GET('/v1/payments', { params: { query: { limit: 5, status: 'requires_action' } } });
  expect(listed.response.status).toBe(200);
  expectMatches('get', '/v1/payments', listed.response, listed.data);
  expect(listed.data!.data.map((item) => item.id)).toContain(payment.id);

  // Typed as the document says: a negative amount compiles, and the API names the field.
  const refused = await api.POST('/v1/payments', {
    body: { amount: -1, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set' },
  });
  expect(refused.response.status).toBe(400);
  expectMatches('post', '/v1/payments', refused.response, refused.error);
  expect(refused.error!.error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });

  const missing = await api.GET('/v1/payments/{id}', { params: { path: { id: 'pay_doesnotexist' } } });
  expect(missing.response.status).toBe(404);
  expectMatches('get', '/v1/payments/{id}', missing.response, missing.error);
});

test('a customer, the webhook endpoints and the events, through the client, match their schemas too', async () => {
  const { secretKey } = await createTestMerchant();
  const api = createClient<paths>({ baseUrl: testStack().api_url, headers: { authorization: `Bearer ${secretKey}` } });
  const customer = await api.POST('/v1/customers', { body: { email: 'Li.Wei@QQ.com', name: '李伟' } });
  expect(customer.response.status).toBe(201);
  expectMatches('post', '/v1/customers', customer.response, customer.data);
  expect(customer.data!.email).toBe('li.wei@qq.com');

  const customers = await api.GET('/v1/customers', { params: { query: { email: 'li.wei@qq.com' } } });
  expectMatches('get', '/v1/customers', customers.response, customers.data);

  const endpoints = await api.GET('/v1/webhook_endpoints');
  expectMatches('get', '/v1/webhook_endpoints', endpoints.response, endpoints.data);
  const events = await api.GET('/v1/events');
  expectMatches('get', '/v1/events', events.response, events.data);
});

test("the console's reads (filtered list, timeline, overview, export), through the client, match their schemas", async () => {
  const { secretKey } = await createTestMerchant();
  const api = createClient<paths>({ baseUrl: testStack().api_url, headers: { authorization: `Bearer ${secretKey}` } });
  const created = await api.POST('/v1/payments', {
    body: { amount: 2999, currency: 'CNY', channel: 'alipay_qr', description: 'Tea cups', merchant_order_no: 'cups-1' },
  });
  expect(created.response.status).toBe(201);
  const payment = created.data!;
  await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  await eventually(async () => {
    const read = await api.GET('/v1/payments/{id}', { params: { path: { id: payment.id } } });
    expect(read.data!.status).toBe('succeeded');
  });

  const found = await api.GET('/v1/payments', {
    params: { query: { q: 'cups-1', status: 'succeeded', 'amount[gte]': 2999, 'created[gte]': 0 } },
  });
  expectMatches('get', '/v1/payments', found.response, found.data);
  expect(found.data!.data.map((item) => item.id)).toEqual([payment.id]);

  const timeline = await api.GET('/v1/payments/{id}/timeline', { params: { path: { id: payment.id } } });
  expect(timeline.response.status).toBe(200);
  expectMatches('get', '/v1/payments/{id}/timeline', timeline.response, timeline.data);
  expect(timeline.data!.entries.map((entry) => entry.kind)).toContain('provider_notification');

  const overview = await api.GET('/v1/reports/overview', { params: { query: { days: '30' } } });
  expectMatches('get', '/v1/reports/overview', overview.response, overview.data);
  expect(overview.data!.succeeded_count).toBe(1);

  const exported = await api.POST('/v1/payment_exports', { body: { q: 'cups-1' } });
  expect(exported.response.status).toBe(201);
  expectMatches('post', '/v1/payment_exports', exported.response, exported.data);
  const ready = await eventually(async () => {
    const current = await api.GET('/v1/payment_exports/{id}', { params: { path: { id: exported.data!.id } } });
    expect(current.data!.status).toBe('ready');
    return current;
  });
  expectMatches('get', '/v1/payment_exports/{id}', ready.response, ready.data);

  const refused = await api.GET('/v1/reports/overview', { params: { query: { days: '2' as '7' } } });
  expect(refused.response.status).toBe(400);
  expectMatches('get', '/v1/reports/overview', refused.response, refused.error);
});

test("a merchant's tax rates and coupons match their schemas", async () => {
  const { secretKey } = await createTestMerchant();
  const taxRate = await apiFetch(secretKey, 'POST', '/v1/tax_rates', {
    display_name: 'VAT',
    percentage: 13,
    inclusive: true,
  });
  expect(taxRate.status).toBe(201);
  expectMatches('post', '/v1/tax_rates', taxRate, taxRate.body);
  const taxRates = await apiFetch(secretKey, 'GET', '/v1/tax_rates');
  expectMatches('get', '/v1/tax_rates', taxRates, taxRates.body);

  const percent = await apiFetch(secretKey, 'POST', '/v1/coupons', { code: 'TEA10', percent_off: 10 });
  expect(percent.status).toBe(201);
  expectMatches('post', '/v1/coupons', percent, percent.body);
  const amount = await apiFetch(secretKey, 'POST', '/v1/coupons', {
    code: 'TEA5',
    amount_off: 500,
    currency: 'CNY',
    max_redemptions: 3,
    expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(amount.status).toBe(201);
  expectMatches('post', '/v1/coupons', amount, amount.body);
  const coupons = await apiFetch<{ data: unknown[] }>(secretKey, 'GET', '/v1/coupons');
  expect(coupons.body.data).toHaveLength(2);
  expectMatches('get', '/v1/coupons', coupons, coupons.body);
});

test('the admin API of merchants, their sandbox accounts and API keys matches its schemas', async () => {
  const created = await adminFetch<{ merchant: { id: string } }>('POST', '/v1/admin/merchants', {
    name: 'Schema tea shop',
    email: 'owner@tea.example.cn',
  });
  expect(created.status).toBe(201);
  expectMatches('post', '/v1/admin/merchants', created, created.body);
  const merchant = created.body.merchant.id;
  const merchants = await adminFetch('GET', '/v1/admin/merchants?limit=3');
  expectMatches('get', '/v1/admin/merchants', merchants, merchants.body);

  const sandbox = await adminFetch('POST', `/v1/admin/merchants/${merchant}/sandbox_accounts`, {});
  expect(sandbox.status).toBe(200);
  expectMatches('post', '/v1/admin/merchants/{id}/sandbox_accounts', sandbox, sandbox.body);

  const key = await adminFetch<{ id: string }>('POST', `/v1/admin/merchants/${merchant}/api_keys`, {});
  expect(key.status).toBe(201);
  expectMatches('post', '/v1/admin/merchants/{id}/api_keys', key, key.body);
  const revoked = await adminFetch('DELETE', `/v1/admin/api_keys/${key.body.id}`);
  expect(revoked.status).toBe(200);
  expectMatches('delete', '/v1/admin/api_keys/{id}', revoked, revoked.body);

  // Its page and its standing (api/admin-merchants.routes.ts).
  const page = await adminFetch('GET', `/v1/admin/merchants/${merchant}`);
  expectMatches('get', '/v1/admin/merchants/{id}', page, page.body);
  for (const [action, body] of [
    ['suspend', { reason: 'Schema check' }],
    ['reinstate', {}],
    ['live_mode/revoke', { reason: 'Schema check' }],
    ['live_mode/approve', {}],
  ] as const) {
    const changed = await adminFetch('POST', `/v1/admin/merchants/${merchant}/${action}`, body);
    expect(changed.status).toBe(200);
    expectMatches('post', `/v1/admin/merchants/{id}/${action}`, changed, changed.body);
  }
});

test('the admin API of templates, messages and messaging accounts matches its schemas', async () => {
  const code = `schema_check_${Date.now().toString(36)}`;
  const created = await adminFetch<{ id: string }>('POST', '/v1/admin/templates', {
    code,
    channel: 'email',
    locale: 'en-US',
    subject: 'Your order ${order} has shipped',
    body: 'Hello ${name}, order ${order} is on its way. Your code is ${code}.',
    variables: [
      { name: 'name', type: 'string', sample: 'Li Wei' },
      { name: 'order', type: 'string', sample: 'ORDER-1' },
      { name: 'code', type: 'code', sample: '123456', secret: true },
    ],
  });
  expect(created.status).toBe(201);
  expectMatches('post', '/v1/admin/templates', created, created.body);
  const id = created.body.id;
  const draft = await adminFetch('GET', `/v1/admin/templates/${id}`);
  expectMatches('get', '/v1/admin/templates/{id}', draft, draft.body);

  const published = await adminFetch('POST', `/v1/admin/templates/${id}/publish`, {});
  expect(published.status).toBe(200);
  expectMatches('post', '/v1/admin/templates/{id}/publish', published, published.body);
  // A draft edited past its published version: both are in the answer, with a problem to preview.
  const edited = await adminFetch('PATCH', `/v1/admin/templates/${id}`, { body: 'Hello ${name}, ${carrier} has it.' });
  expect(edited.status).toBe(200);
  expectMatches('patch', '/v1/admin/templates/{id}', edited, edited.body);
  const preview = await adminFetch<{ problems: unknown[] }>('POST', `/v1/admin/templates/${id}/preview`, {
    data: { name: 'Wang' },
  });
  expect(preview.status).toBe(200);
  expect(preview.body.problems).not.toHaveLength(0);
  expectMatches('post', '/v1/admin/templates/{id}/preview', preview, preview.body);
  const templates = await adminFetch('GET', `/v1/admin/templates?code=${code}`);
  expectMatches('get', '/v1/admin/templates', templates, templates.body);

  const sent = await adminFetch<{ id: string }>('POST', `/v1/admin/templates/${id}/test_send`, {
    to: 'ops@tea.example.cn',
    data: { name: 'Wang', order: 'A-1', code: '654321' },
  });
  expect(sent.status).toBe(201);
  expectMatches('post', '/v1/admin/templates/{id}/test_send', sent, sent.body);
  const message = await adminFetch('GET', `/v1/admin/messages/${sent.body.id}`);
  expectMatches('get', '/v1/admin/messages/{id}', message, message.body);
  const messages = await adminFetch('GET', `/v1/admin/messages?template=${code}`);
  expectMatches('get', '/v1/admin/messages', messages, messages.body);

  const { merchantId } = await createTestMerchant();
  const credentials = {
    access_key_id: 'LTAI5tSchemaKey01',
    access_key_secret: 'a-secret-of-the-schema-test',
    sign_name: '茶叶小铺',
    sender_address: 'no-reply@tea.example.cn',
  };
  const account = await adminFetch<{ id: string }>('POST', '/v1/admin/message_accounts', {
    merchant: merchantId,
    ...credentials,
  });
  expect(account.status).toBe(201);
  expectMatches('post', '/v1/admin/message_accounts', account, account.body);
  const rotated = await adminFetch('POST', `/v1/admin/message_accounts/${account.body.id}`, {
    ...credentials,
    from_alias: 'Tea shop',
  });
  expect(rotated.status).toBe(200);
  expectMatches('post', '/v1/admin/message_accounts/{id}', rotated, rotated.body);
  const accounts = await adminFetch('GET', '/v1/admin/message_accounts');
  expectMatches('get', '/v1/admin/message_accounts', accounts, accounts.body);
});

/** What the hosted page's server calls: the public checkout routes, no key. */
async function checkoutPage<T = unknown>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${testStack().api_url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

test("the hosted checkout page's routes match their schemas: the session, WeChat's OAuth, a returning shopper's code, a pay", async () => {
  const { secretKey } = await createTestMerchant();
  const mobile = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const saved = await apiFetch(secretKey, 'POST', '/v1/customers', {
    phone: mobile,
    email: 'li.wei@qq.com',
    name: '李伟',
    shipping_address: { line1: '南京东路 100 号', city: '上海', country: 'CN' },
  });
  expect(saved.status).toBe(201);
  const vat = await apiFetch<{ id: string }>(secretKey, 'POST', '/v1/tax_rates', {
    display_name: 'VAT',
    percentage: 13,
    inclusive: false,
  });
  expect((await apiFetch(secretKey, 'POST', '/v1/coupons', { code: 'WELCOME', percent_off: 10 })).status).toBe(201);
  const created = await apiFetch<{ id: string }>(secretKey, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea', quantity: 2, unit_amount: 2599, tax_rate: vat.body.id }],
    discounts: [{ coupon: 'WELCOME' }],
    allowed_channels: ['alipay_qr', 'wechat_jsapi'],
    save_customer: 'optional',
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
  });
  expect(created.status).toBe(201);
  const id = created.body.id;

  const fresh = await checkoutPage(`/checkout/sessions/${id}`);
  expect(fresh.status).toBe(200);
  expectMatches('get', '/checkout/sessions/{id}', fresh, fresh.body);
  const oauth = await checkoutPage(`/checkout/sessions/${id}/wechat_oauth`);
  expect(oauth.status).toBe(200);
  expectMatches('get', '/checkout/sessions/{id}/wechat_oauth', oauth, oauth.body);

  const started = await checkoutPage<{ id: string }>(`/checkout/sessions/${id}/customer_verifications`, {
    phone: mobile,
    locale: 'zh-CN',
  });
  expect(started.status).toBe(201);
  expectMatches('post', '/checkout/sessions/{id}/customer_verifications', started, started.body);
  const code = await eventually(
    async () => {
      const inbox = await sandboxControl<{ data: { body: string }[] }>(
        'GET',
        `/_control/messages?to=${encodeURIComponent(`+86${mobile}`)}&channel=sms`,
      );
      const found = /\b(\d{6})\b/.exec(inbox.body.data[0]?.body ?? '')?.[1];
      expect(found).toBeDefined();
      return found!;
    },
    { timeoutMs: 30_000 },
  );
  const verified = await checkoutPage(`/checkout/sessions/${id}/customer_verifications/${started.body.id}/verify`, {
    code,
  });
  expect(verified.status).toBe(200);
  expectMatches(
    'post',
    '/checkout/sessions/{id}/customer_verifications/{verification}/verify',
    verified,
    verified.body,
  );

  const paid = await checkoutPage(`/checkout/sessions/${id}/payments`, { channel: 'alipay_qr' });
  expect(paid.status).toBe(201);
  expectMatches('post', '/checkout/sessions/{id}/payments', paid, paid.body);
  // Now with the payment in progress, its next action the page shows.
  const paying = await checkoutPage<{ payment: unknown }>(`/checkout/sessions/${id}`);
  expect(paying.body.payment).not.toBeNull();
  expectMatches('get', '/checkout/sessions/{id}', paying, paying.body);
});

test('reconciliation runs and their discrepancies, and the stuck activities, match their schemas', async () => {
  const { merchantId } = await createTestMerchant();
  const [account] = await queryDb<{ id: string; external_id: string }>(
    `select id, external_id from provider_accounts where merchant_id = $1 and provider = 'alipay' and not livemode`,
    [merchantId],
  );
  // A day whose statement has an order Tongbao never made: one discrepancy, with no payment of ours.
  const date = '2026-01-02';
  const planted = await sandboxControl('POST', '/_control/statement_edits', {
    provider: 'alipay',
    account: account.external_id,
    date,
    edit: 'add',
    out_trade_no: `ghost${Date.now()}`,
    amount: 4400,
  });
  expect(planted.status).toBe(201);
  const run = await adminFetch('POST', '/v1/admin/reconciliation_runs', { provider_account: account.id, date });
  expect(run.status).toBe(200);
  expectMatches('post', '/v1/admin/reconciliation_runs', run, run.body);
  const runs = await adminFetch<{ data: unknown[] }>(
    'GET',
    `/v1/admin/reconciliation_runs?provider_account=${account.id}`,
  );
  expect(runs.body.data).toHaveLength(1);
  expectMatches('get', '/v1/admin/reconciliation_runs', runs, runs.body);
  const found = await adminFetch<{ data: unknown[] }>(
    'GET',
    `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}`,
  );
  expect(found.body.data).toHaveLength(1);
  expectMatches('get', '/v1/admin/reconciliation_discrepancies', found, found.body);

  // Empty when all is well, as on a fresh stack: this checks the list, not a stuck activity.
  const stuck = await adminFetch('GET', '/v1/admin/stuck');
  expect(stuck.status).toBe(200);
  expectMatches('get', '/v1/admin/stuck', stuck, stuck.body);
});

test("Kratos' courier call answers the message it became, as its schema says", async () => {
  const to = `staff-${Date.now().toString(36)}@tea.example.cn`;
  const secret = testStack().env.TONGBAO_KRATOS_COURIER_SECRET;
  const answer = await fetch(`${testStack().api_url}/internal/kratos/courier`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`kratos:${secret}`).toString('base64')}`,
    },
    body: JSON.stringify({
      recipient: to,
      template_type: 'recovery_code_valid',
      message_type: 'email',
      template_data: { to, recovery_code: '482913', identity: { id: randomUUID(), traits: {} } },
    }),
  });
  expect(answer.status).toBe(200);
  expectMatches('post', '/internal/kratos/courier', answer, await answer.json());
});

test('/docs is the reference page, and every file it loads comes from the API itself', async () => {
  const page = await fetch(`${testStack().api_url}/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
  expect(assets.length).toBeGreaterThanOrEqual(4);
  // No CDN: test stacks refuse outbound traffic, and so may a merchant's network.
  for (const url of assets) expect(url).toMatch(/^\/docs\//);
  for (const url of assets) {
    const asset = await fetch(`${testStack().api_url}${url}`);
    expect({ url, status: asset.status }).toEqual({ url, status: 200 });
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }
  const init = await (await fetch(`${testStack().api_url}/docs/init.js`)).text();
  expect(init).toContain("url: '/v1/openapi.json'");
  expect((await fetch(`${testStack().api_url}/docs/index.html`)).status).toBe(404);
});
