import { randomBytes } from 'node:crypto';
import { consoleFetch, ownerSession } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant } from './stack';

// End users and the audit log across merchants, as the platform's support staff meet them: a
// person asks to be forgotten, and support finds them by what they know (an e-mail address, a
// name) and erases them as their merchant would; the audit log answers who did what, anywhere.

interface Customer {
  id: string;
  merchant?: string;
  email: string | null;
  name: string | null;
  deleted?: true;
  payments?: { data: { id: string; merchant: string }[] };
}

interface Entry {
  action: string;
  merchant: string | null;
  actor: { type: string; id: string; email: string | null };
  object_type: string | null;
  object_id: string | null;
}

interface ApiError {
  error: { param: string | null };
}

let merchantId: string;
let key: string;
let session: string;

beforeAll(async () => {
  ({ merchantId, secretKey: key } = await createTestMerchant());
  session = await ownerSession(merchantId);
});

test('support finds an end user across merchants, sees their payments, and erases them on request', async () => {
  const tag = randomBytes(4).toString('hex');
  const email = `wang.${tag}@example.com`;
  const created = await apiFetch<Customer>(key, 'POST', '/v1/customers', { email, name: `Wang ${tag} Fang` });
  expect(created.status).toBe(201);
  const payment = await apiFetch<{ id: string }>(key, 'POST', '/v1/payments', {
    amount: 1500,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'End user story',
    customer: created.body.id,
  });
  expect(payment.status).toBe(201);

  const byEmail = await adminFetch<{ data: Customer[] }>(
    'GET',
    `/v1/admin/customers?q=${encodeURIComponent(email.toUpperCase())}`,
  );
  expect(byEmail.body.data).toEqual([expect.objectContaining({ id: created.body.id, merchant: merchantId })]);
  const byName = await adminFetch<{ data: Customer[] }>('GET', `/v1/admin/customers?q=wang%20${tag}`);
  expect(byName.body.data.map((c) => c.id)).toEqual([created.body.id]);
  const otherMerchant = await adminFetch<{ data: Customer[] }>(
    'GET',
    `/v1/admin/customers?q=${created.body.id}&merchant=mer_someoneelse`,
  );
  expect(otherMerchant.body.data).toEqual([]);

  const page = await adminFetch<Customer>('GET', `/v1/admin/customers/${created.body.id}`);
  expect(page.status).toBe(200);
  expect(page.body).toMatchObject({ id: created.body.id, email, merchant: merchantId });
  expect(page.body.payments!.data).toEqual([expect.objectContaining({ id: payment.body.id, merchant: merchantId })]);

  const erased = await adminFetch<Customer>('DELETE', `/v1/admin/customers/${created.body.id}`);
  expect(erased.status).toBe(200);
  expect(erased.body).toMatchObject({
    id: created.body.id,
    merchant: merchantId,
    email: null,
    name: null,
    deleted: true,
  });
  // The erase is in its merchant's audit log, by the platform's actor.
  const audit = await adminFetch<{ data: Entry[] }>(
    'GET',
    `/v1/admin/audit_log?merchant=${merchantId}&action=customer.erase&object_id=${created.body.id}`,
  );
  expect(audit.body.data).toEqual([
    expect.objectContaining({
      action: 'customer.erase',
      merchant: merchantId,
      object_type: 'customer',
      object_id: created.body.id,
      actor: expect.objectContaining({ type: 'admin_token' }),
    }),
  ]);
  // As the merchant API's erase: again answers the same, and the merchant sees it erased.
  const again = await adminFetch<Customer>('DELETE', `/v1/admin/customers/${created.body.id}`);
  expect(again.body).toEqual(erased.body);
  expect((await apiFetch<Customer>(key, 'GET', `/v1/customers/${created.body.id}`)).body).toMatchObject({
    deleted: true,
    email: null,
  });
  expect(
    (await adminFetch<{ data: Customer[] }>('GET', `/v1/admin/customers?q=${encodeURIComponent(email)}`)).body.data,
  ).toEqual([]);

  expect((await adminFetch('DELETE', '/v1/admin/customers/cus_nobody')).status).toBe(404);
  const badPhone = await adminFetch<ApiError>('GET', '/v1/admin/customers?phone=12');
  expect(badPhone.status).toBe(400);
  expect(badPhone.body.error.param).toBe('phone');
  const badId = await adminFetch<ApiError>('DELETE', '/v1/admin/customers/wang');
  expect(badId.status).toBe(400);
  expect(badId.body.error.param).toBe('id');
});

test('the audit log across merchants, by merchant, actor, object and time', async () => {
  const made = await consoleFetch<{ id: string }>(session, 'POST', '/v1/customers', {
    merchant: merchantId,
    body: { name: 'Zhao Lei' },
  });
  expect(made.status).toBe(201);
  const renamed = await consoleFetch(session, 'POST', `/v1/customers/${made.body.id}`, {
    merchant: merchantId,
    body: { name: 'Zhao Lei (VIP)' },
  });
  expect(renamed.status).toBe(200);

  const list = async (query: string) => {
    const answer = await adminFetch<{ data: Entry[] }>('GET', `/v1/admin/audit_log?${query}`);
    expect(answer.status).toBe(200);
    return answer.body.data;
  };
  // The members' own: the platform's erase of the story above is in this merchant's log too.
  const ofMerchant = await list(`merchant=${merchantId}&object_type=customer&actor_type=member&limit=100`);
  expect(ofMerchant.map((entry) => entry.action)).toEqual(['customer.update', 'customer.create']);
  expect(ofMerchant[0]).toMatchObject({ merchant: merchantId, object_id: made.body.id, actor: { type: 'member' } });
  const email = ofMerchant[0].actor.email!;
  expect(await list(`actor=${encodeURIComponent(email.toUpperCase())}&action=customer.update`)).toHaveLength(1);
  expect(await list(`object_id=${made.body.id}&actor_type=member`)).toHaveLength(2);
  expect(await list(`object_id=${made.body.id}&actor_type=api_key`)).toEqual([]);
  expect(await list(`merchant=${merchantId}&created[gte]=${Math.floor(Date.now() / 1000) + 3600}`)).toEqual([]);
  expect(
    (await list(`merchant=${merchantId}&created[lte]=${new Date(Date.now() + 60_000).toISOString()}&limit=100`)).length,
  ).toBeGreaterThanOrEqual(2);

  // The platform's own actions: the admin token made this merchant.
  const platform = await list(`actor=admin&action=merchant.create&object_id=${merchantId}`);
  expect(platform).toEqual([
    expect.objectContaining({
      action: 'merchant.create',
      merchant: merchantId,
      actor: expect.objectContaining({ type: 'admin_token' }),
    }),
  ]);

  for (const [query, param] of [
    ['actor_type=robot', 'actor_type'],
    ['merchant=shop', 'merchant'],
    ['created[gte]=yesterday', 'created[gte]'],
    ['created[gte]=2026-12-02T00:00:00Z&created[lte]=2026-12-01T00:00:00Z', 'created[lte]'],
  ]) {
    const refused = await adminFetch<ApiError>('GET', `/v1/admin/audit_log?${query}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe(param);
  }
});
