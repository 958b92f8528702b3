import { adminFetch, apiFetch, createTestMerchant } from './stack';
import { queryDb } from './db';

// Stories of a merchant's customers (API.md "Customers"), through the real API and PostgreSQL.

interface CustomerBody {
  id: string;
  object: string;
  livemode: boolean;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string | null;
  shipping_address: Record<string, string> | null;
  preferred_channel: string | null;
  metadata: Record<string, string>;
  deleted?: boolean;
  [key: string]: unknown;
}

interface ErrorBody {
  error: { type: string; code: string; param?: string };
}

async function createCustomer(key: string, body: Record<string, unknown> = {}): Promise<CustomerBody> {
  const response = await apiFetch<CustomerBody>(key, 'POST', '/v1/customers', body);
  expect(response.status).toBe(201);
  return response.body;
}

const session = (customer: string) => ({
  currency: 'CNY',
  line_items: [{ name: 'Tea', quantity: 1, unit_amount: 1999 }],
  customer,
  success_url: 'https://shop.example/ok',
  cancel_url: 'https://shop.example/cancel',
});

const payment = (customer: string) => ({
  amount: 1999,
  currency: 'CNY',
  channel: 'alipay_qr',
  description: 'Tea set',
  customer,
});

describe("a merchant's customers", () => {
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    ({ secretKey: key } = await createTestMerchant());
    ({ secretKey: otherKey } = await createTestMerchant());
  });

  test('a customer is created with its details stored normalised, and read back', async () => {
    const created = await createCustomer(key, {
      email: ' Li.Wei@QQ.com',
      phone: '138 0013 8000',
      name: '李伟',
      locale: 'zh-CN',
      shipping_address: { name: '李伟', line1: '南京东路 100 号', district: '黄浦区', city: '上海', country: 'CN' },
      preferred_channel: 'wechat_native',
      metadata: { crm: 'c-1', empty: '' },
    });
    expect(created).toMatchObject({
      object: 'customer',
      livemode: false,
      email: 'li.wei@qq.com',
      phone: '+8613800138000',
      name: '李伟',
      locale: 'zh-CN',
      shipping_address: { city: '上海', country: 'CN' },
      preferred_channel: 'wechat_native',
      metadata: { crm: 'c-1' },
    });
    expect(created.id).toMatch(/^cus_[0-9A-Za-z]{22}$/);
    expect(created).not.toHaveProperty('deleted');
    const read = await apiFetch<CustomerBody>(key, 'GET', `/v1/customers/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created);
  });

  test('the list is newest first, pages with starting_after, and finds by e-mail or phone however typed', async () => {
    const { secretKey: own } = await createTestMerchant();
    const made: CustomerBody[] = [];
    for (let i = 0; i < 5; i++) made.push(await createCustomer(own, { email: `shopper${i}@shop.example` }));
    const twin = await createCustomer(own, { email: 'shopper1@shop.example', phone: '+86 139 0013 9000' });

    const first = await apiFetch<{ data: CustomerBody[]; has_more: boolean }>(own, 'GET', '/v1/customers?limit=4');
    expect(first.status).toBe(200);
    expect(first.body.data.map((c) => c.id)).toEqual([twin, ...made.slice(2).reverse()].map((c) => c.id));
    expect(first.body.has_more).toBe(true);
    const second = await apiFetch<{ data: CustomerBody[]; has_more: boolean }>(
      own,
      'GET',
      `/v1/customers?limit=4&starting_after=${first.body.data[3].id}`,
    );
    expect(second.body.data.map((c) => c.id)).toEqual([made[1].id, made[0].id]);
    expect(second.body.has_more).toBe(false);

    const byEmail = await apiFetch<{ data: CustomerBody[] }>(own, 'GET', '/v1/customers?email=Shopper1@Shop.Example');
    expect(byEmail.body.data.map((c) => c.id)).toEqual([twin.id, made[1].id]);
    const byPhone = await apiFetch<{ data: CustomerBody[] }>(own, 'GET', '/v1/customers?phone=13900139000');
    expect(byPhone.body.data.map((c) => c.id)).toEqual([twin.id]);
  });

  test('an update changes only the fields sent; metadata merges, and a key set to "" is removed', async () => {
    const customer = await createCustomer(key, {
      email: 'ann@shop.example',
      name: 'Ann',
      metadata: { crm: 'c-2', tier: 'gold' },
    });
    const updated = await apiFetch<CustomerBody>(key, 'POST', `/v1/customers/${customer.id}`, {
      name: 'Ann Lee',
      locale: 'en-US',
      phone: null,
      metadata: { tier: '', since: '2026' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      email: 'ann@shop.example',
      name: 'Ann Lee',
      locale: 'en-US',
      phone: null,
      metadata: { crm: 'c-2', since: '2026' },
    });
    const cleared = await apiFetch<CustomerBody>(key, 'POST', `/v1/customers/${customer.id}`, { email: null });
    expect(cleared.body.email).toBeNull();
    expect(cleared.body.name).toBe('Ann Lee');
  });

  test('more than 20 metadata keys after a merge is a 400 naming metadata', async () => {
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v']));
    const customer = await createCustomer(key, { metadata: many });
    const more = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`m${i}`, 'v']));
    const refused = await apiFetch<ErrorBody>(key, 'POST', `/v1/customers/${customer.id}`, { metadata: more });
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe('metadata');
  });

  test.each([
    [{ email: 'not-an-address' }, 'email'],
    [{ phone: '12345' }, 'phone'],
    [{ phone: '010 6552 9988' }, 'phone'],
    [{ locale: 'fr-FR' }, 'locale'],
    [{ preferred_channel: 'paypal' }, 'preferred_channel'],
    [{ shipping_address: { country: 'china' } }, 'shipping_address[country]'],
    [{ shipping_address: { street: 'x' } }, 'shipping_address[street]'],
    [{ name: 'a\u0000b' }, 'name'],
    [{ metadata: { k: 1 } }, 'metadata[k]'],
    [{ nickname: 'x' }, 'nickname'],
  ])('a create with %j is a 400 naming %s', async (body, param) => {
    const refused = await apiFetch<ErrorBody>(key, 'POST', '/v1/customers', body);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  test('a bad filter or id is a 400 naming it', async () => {
    const filter = await apiFetch<ErrorBody>(key, 'GET', '/v1/customers?phone=abc');
    expect(filter.status).toBe(400);
    expect(filter.body.error.param).toBe('phone');
    const id = await apiFetch<ErrorBody>(key, 'GET', '/v1/customers/pay_123');
    expect(id.status).toBe(400);
    expect(id.body.error.param).toBe('id');
  });

  test("another merchant's key, or the live key, never reaches the customer: 404", async () => {
    const customer = await createCustomer(key, { email: 'private@shop.example', metadata: { crm: 'c-3' } });
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { name: 'Mallory' }],
      ['DELETE', undefined],
    ] as const) {
      const answer = await apiFetch<ErrorBody>(otherKey, method, `/v1/customers/${customer.id}`, body);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatchObject({ type: 'not_found_error', param: 'id' });
    }
    const list = await apiFetch<{ data: CustomerBody[] }>(otherKey, 'GET', '/v1/customers?email=private@shop.example');
    expect(list.body.data).toEqual([]);

    const [{ merchant_id: merchantId }] = await queryDb<{ merchant_id: string }>(
      'select merchant_id from customers where id = $1',
      [customer.id],
    );
    const live = await adminFetch<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
      livemode: true,
    });
    expect(live.status).toBe(201);
    expect((await apiFetch(live.body.secret, 'GET', `/v1/customers/${customer.id}`)).status).toBe(404);
    const livePayment = await apiFetch<ErrorBody>(
      live.body.secret,
      'POST',
      '/v1/checkout/sessions',
      session(customer.id),
    );
    expect(livePayment.status).toBe(404);
    expect(livePayment.body.error.param).toBe('customer');

    // Untouched by all of that.
    const read = await apiFetch<CustomerBody>(key, 'GET', `/v1/customers/${customer.id}`);
    expect(read.body).toMatchObject({ email: 'private@shop.example', metadata: { crm: 'c-3' } });
    expect(read.body).not.toHaveProperty('deleted');
  });

  test('the same Idempotency-Key makes one customer, answered again as the first time', async () => {
    const headers = { 'Idempotency-Key': `cus-${Date.now()}` };
    const body = { email: 'once@shop.example' };
    const first = await apiFetch<CustomerBody>(key, 'POST', '/v1/customers', body, headers);
    const again = await apiFetch<CustomerBody>(key, 'POST', '/v1/customers', body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    const other = await apiFetch<ErrorBody>(key, 'POST', '/v1/customers', { email: 'twice@shop.example' }, headers);
    expect(other.status).toBe(422);
  });

  test('a payment or a checkout session naming an unknown customer, or another merchant’s, is 404 param customer', async () => {
    const foreign = await createCustomer(otherKey, { email: 'theirs@shop.example' });
    for (const id of ['cus_doesnotexist', foreign.id]) {
      const pay = await apiFetch<ErrorBody>(key, 'POST', '/v1/payments', payment(id));
      expect(pay.status).toBe(404);
      expect(pay.body.error).toMatchObject({ type: 'not_found_error', code: 'resource_missing', param: 'customer' });
      const checkout = await apiFetch<ErrorBody>(key, 'POST', '/v1/checkout/sessions', session(id));
      expect(checkout.status).toBe(404);
      expect(checkout.body.error).toMatchObject({ type: 'not_found_error', param: 'customer' });
    }
    const malformed = await apiFetch<ErrorBody>(key, 'POST', '/v1/payments', payment('cus_bad id'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.param).toBe('customer');
  });

  test('a payment and a checkout session naming the customer show it', async () => {
    const customer = await createCustomer(key, { email: 'buyer@shop.example' });
    const pay = await apiFetch<{ customer: string }>(key, 'POST', '/v1/payments', payment(customer.id));
    expect(pay.status).toBe(201);
    expect(pay.body.customer).toBe(customer.id);
    const checkout = await apiFetch<{ customer: string }>(key, 'POST', '/v1/checkout/sessions', session(customer.id));
    expect(checkout.status).toBe(201);
    expect(checkout.body.customer).toBe(customer.id);
  });

  test('erasing a customer blanks its personal fields, keeps its payments, and is idempotent', async () => {
    const customer = await createCustomer(key, {
      email: 'forget.me@shop.example',
      phone: '+86 138 0013 8001',
      name: '王芳',
      locale: 'zh-CN',
      shipping_address: { line1: '南京东路 100 号', city: '上海' },
      preferred_channel: 'alipay_qr',
      metadata: { crm: 'c-9' },
    });
    const paid = await apiFetch<{ id: string }>(key, 'POST', '/v1/payments', payment(customer.id));
    expect(paid.status).toBe(201);

    const erased = await apiFetch<CustomerBody>(key, 'DELETE', `/v1/customers/${customer.id}`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      id: customer.id,
      object: 'customer',
      deleted: true,
      email: null,
      phone: null,
      name: null,
      locale: null,
      shipping_address: null,
      preferred_channel: null,
      metadata: {},
    });
    // Nothing personal is left in the database either.
    const [row] = await queryDb<Record<string, unknown>>('select * from customers where id = $1', [customer.id]);
    expect(JSON.stringify(row)).not.toMatch(/forget\.me|8613800138001|王芳|南京东路|c-9/);

    const again = await apiFetch<CustomerBody>(key, 'DELETE', `/v1/customers/${customer.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(erased.body);
    const read = await apiFetch<CustomerBody>(key, 'GET', `/v1/customers/${customer.id}`);
    expect(read.body).toEqual(erased.body);

    // Its payment stays, still naming it; the list and the lookups no longer show it.
    const kept = await apiFetch<{ customer: string }>(key, 'GET', `/v1/payments/${paid.body.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body.customer).toBe(customer.id);
    const listed = await apiFetch<{ data: CustomerBody[] }>(key, 'GET', '/v1/customers?limit=100');
    expect(listed.body.data.map((c) => c.id)).not.toContain(customer.id);

    // An erased customer cannot be updated or named anew.
    const update = await apiFetch<ErrorBody>(key, 'POST', `/v1/customers/${customer.id}`, { name: 'x' });
    expect(update.status).toBe(404);
    const pay = await apiFetch<ErrorBody>(key, 'POST', '/v1/payments', payment(customer.id));
    expect(pay.status).toBe(404);
    expect(pay.body.error.param).toBe('customer');
  });
});
