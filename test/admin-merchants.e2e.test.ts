import { queryDb } from './db';
import { consoleFetch, createPerson, signIn, staffSession } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant, eventually, testStack } from './stack';

// The admin console's Merchants and merchant users, through the API with the admin token: finding a
// merchant, its page, live mode, suspension (its keys, its console and its checkout page), and
// locking the people who use its console.

interface ErrorBody {
  error: { type: string; code: string; param: string | null; message: string };
}
interface MerchantObject {
  id: string;
  name: string;
  live_mode: string;
  live_mode_reason: string | null;
  status: string;
  suspended_reason: string | null;
  suspended_at: string | null;
}
interface MerchantList {
  data: MerchantObject[];
  has_more: boolean;
}
interface MerchantDetails extends MerchantObject {
  members: {
    id: string;
    identity_id: string;
    email: string;
    role: string;
    joined_at: string | null;
    locked: boolean;
  }[];
  api_keys: Record<string, unknown>[];
  last_30_days: { livemode: boolean; payments: number; succeeded: number; volume: number }[];
}
interface MerchantUser {
  id: string;
  email: string;
  memberships: { merchant: string; role: string }[];
  locked: boolean;
  locked_reason: string | null;
  locked_by: string | null;
}
interface Membership {
  merchant: { id: string; live_mode: string; status: string };
}

type Answer<T> = { status: number; body: T & ErrorBody };
const admin = <T>(method: 'GET' | 'POST', path: string, body?: unknown) =>
  adminFetch<T & ErrorBody>(method, path, body) as Promise<Answer<T>>;

const payment = { amount: 1200, currency: 'CNY', channel: 'alipay_qr', description: 'Admin story' };
const URLS = { success_url: 'https://shop.example/thanks', cancel_url: 'https://shop.example/cart' };

/** The hosted page's API, as web/'s /pay pages call it (no key: the session id is the capability). */
async function checkoutPage<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${testStack().api_url}/checkout${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as T & ErrorBody };
}

describe('suspending a merchant', () => {
  test('its key gets 403 at once but may read and refund, its checkout page says so; reinstated, it works again', async () => {
    const { merchantId, secretKey } = await createTestMerchant();
    const session = await apiFetch<{ id: string }>(secretKey, 'POST', '/v1/checkout/sessions', {
      currency: 'CNY',
      line_items: [{ name: 'Oolong', quantity: 1, unit_amount: 3800 }],
      ...URLS,
    });
    expect(session.status).toBe(201);
    // The key was used a moment ago: the API holds it in its cache, which the suspension must not wait out.
    expect((await apiFetch(secretKey, 'POST', '/v1/payments', payment)).status).toBe(201);

    const noReason = await admin('POST', `/v1/admin/merchants/${merchantId}/suspend`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.param).toBe('reason');
    const suspended = await admin<MerchantObject>('POST', `/v1/admin/merchants/${merchantId}/suspend`, {
      reason: 'Chargebacks under review',
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', suspended_reason: 'Chargebacks under review' });
    expect(suspended.body.suspended_at).not.toBeNull();
    const again = await admin('POST', `/v1/admin/merchants/${merchantId}/suspend`, { reason: 'twice' });
    expect(again.status).toBe(409);

    const refused = await apiFetch<ErrorBody>(secretKey, 'POST', '/v1/payments', payment);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('merchant_suspended');
    expect((await apiFetch<ErrorBody>(secretKey, 'POST', '/v1/webhook_endpoints', {})).status).toBe(403);
    // Winding down stays open: it reads its payments, and a refund reaches the refunds' own checks.
    expect((await apiFetch(secretKey, 'GET', '/v1/payments')).status).toBe(200);
    const refund = await apiFetch<ErrorBody>(secretKey, 'POST', '/v1/refunds', {
      payment: 'pay_doesnotexist',
      amount: 100,
    });
    expect(refund.status).toBe(400);
    expect(refund.body.error).toMatchObject({ code: 'resource_missing', param: 'payment' });

    // The hosted page: the session says so, and paying is refused with the same code.
    const shown = await checkoutPage<{ merchant: { suspended: boolean } }>('GET', `/sessions/${session.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.merchant.suspended).toBe(true);
    const pay = await checkoutPage('POST', `/sessions/${session.body.id}/payments`, { channel: 'alipay_qr' });
    expect(pay.status).toBe(403);
    expect(pay.body.error.code).toBe('merchant_suspended');

    // The admin console finds it among the suspended.
    const found = await admin<MerchantList>('GET', `/v1/admin/merchants?status=suspended&q=${merchantId}`);
    expect(found.body.data.map((merchant) => merchant.id)).toEqual([merchantId]);

    const reinstated = await admin<MerchantObject>('POST', `/v1/admin/merchants/${merchantId}/reinstate`);
    expect(reinstated.body).toMatchObject({ status: 'active', suspended_reason: null, suspended_at: null });
    expect((await admin('POST', `/v1/admin/merchants/${merchantId}/reinstate`)).status).toBe(409);
    expect((await apiFetch(secretKey, 'POST', '/v1/payments', payment)).status).toBe(201);
    const open = await checkoutPage<{ merchant: { suspended: boolean } }>('GET', `/sessions/${session.body.id}`);
    expect(open.body.merchant.suspended).toBe(false);
    const paid = await checkoutPage('POST', `/sessions/${session.body.id}/payments`, { channel: 'alipay_qr' });
    expect(paid.status).toBe(201);
  });

  test("its console members may read but not change anything, and the console's session shows it", async () => {
    const person = await createPerson();
    const session = await signIn(person);
    const created = await consoleFetch<Membership>(session, 'POST', '/v1/console/merchants', {
      body: { name: 'Suspended Console Shop' },
    });
    const merchant = created.body.merchant.id;
    await admin('POST', `/v1/admin/merchants/${merchant}/suspend`, { reason: 'Licence expired' });
    expect((await consoleFetch(session, 'GET', '/v1/payments', { merchant })).status).toBe(200);
    const write = await consoleFetch<ErrorBody>(session, 'POST', '/v1/payments', { merchant, body: payment });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('merchant_suspended');
    const me = await consoleFetch<{ memberships: Membership[] }>(session, 'GET', '/v1/console/session');
    expect(me.body.memberships[0].merchant).toMatchObject({ id: merchant, status: 'suspended' });
  });
});

describe('live mode', () => {
  test('a console owner asks for it, an admin approves it and live mode opens; revoked, it closes again', async () => {
    const person = await createPerson();
    const session = await signIn(person);
    const created = await consoleFetch<Membership>(session, 'POST', '/v1/console/merchants', {
      body: { name: 'Live Mode Tea' },
    });
    const merchant = created.body.merchant.id;
    expect(created.body.merchant.live_mode).toBe('unavailable');
    const closed = await consoleFetch<ErrorBody>(session, 'GET', '/v1/payments', { merchant, mode: 'live' });
    expect(closed.body.error.code).toBe('live_mode_unavailable');

    const asked = await consoleFetch<{ status: string; requested_at: string | null }>(
      session,
      'POST',
      '/v1/account/live_mode_request',
      { merchant, body: {} },
    );
    expect(asked.status).toBe(200);
    expect(asked.body.status).toBe('requested');
    expect(asked.body.requested_at).not.toBeNull();
    const queue = await admin<MerchantList>('GET', `/v1/admin/merchants?live_mode=requested&q=${merchant}`);
    expect(queue.body.data.map((entry) => entry.id)).toEqual([merchant]);

    const approved = await admin<MerchantObject>('POST', `/v1/admin/merchants/${merchant}/live_mode/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body.live_mode).toBe('approved');
    expect((await consoleFetch(session, 'GET', '/v1/payments', { merchant, mode: 'live' })).status).toBe(200);
    const twice = await admin('POST', `/v1/admin/merchants/${merchant}/live_mode/approve`);
    expect(twice.status).toBe(409);
    const askedAgain = await consoleFetch<ErrorBody>(session, 'POST', '/v1/account/live_mode_request', {
      merchant,
      body: {},
    });
    expect(askedAgain.status).toBe(409);

    const revoked = await admin<MerchantObject>('POST', `/v1/admin/merchants/${merchant}/live_mode/revoke`, {
      reason: 'Business licence missing',
    });
    expect(revoked.body).toMatchObject({ live_mode: 'unavailable', live_mode_reason: 'Business licence missing' });
    const refused = await consoleFetch<ErrorBody>(session, 'GET', '/v1/payments', { merchant, mode: 'live' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('live_mode_unavailable');
  });

  test("a merchant's live key stops working when its live mode is revoked", async () => {
    const { merchantId } = await createTestMerchant();
    const live = await admin<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
      livemode: true,
    });
    expect((await apiFetch(live.body.secret, 'GET', '/v1/payments')).status).toBe(200);
    await admin('POST', `/v1/admin/merchants/${merchantId}/live_mode/revoke`, { reason: 'Review' });
    const refused = await apiFetch<ErrorBody>(live.body.secret, 'GET', '/v1/payments');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('live_mode_unavailable');
  });
});

describe("a merchant's page", () => {
  test('its members, its keys (never a secret) and its last 30 days; found by part of its name in any case', async () => {
    const name = `Jade Leaf ${process.pid}-${Date.now()}`;
    const { merchantId, secretKey } = await createTestMerchant(name);
    expect((await apiFetch(secretKey, 'POST', '/v1/payments', payment)).status).toBe(201);
    const person = await createPerson();
    await admin('POST', `/v1/admin/merchants/${merchantId}/members`, { email: person.email, role: 'owner' });

    const page = await admin<MerchantDetails>('GET', `/v1/admin/merchants/${merchantId}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ id: merchantId, name, status: 'active', live_mode: 'approved' });
    expect(page.body.members).toEqual([
      expect.objectContaining({ identity_id: person.identityId, role: 'owner', joined_at: null, locked: false }),
    ]);
    expect(page.body.api_keys).toHaveLength(1);
    expect(page.body.api_keys[0]).toMatchObject({ livemode: false, revoked_at: null });
    expect(JSON.stringify(page.body)).not.toContain(secretKey);
    expect(page.body.last_30_days).toEqual([expect.objectContaining({ livemode: false, payments: 1, succeeded: 0 })]);

    const search = name.slice(0, 12).toUpperCase();
    const found = await admin<MerchantList>('GET', `/v1/admin/merchants?q=${encodeURIComponent(search)}&limit=100`);
    expect(found.body.data.map((merchant) => merchant.id)).toContain(merchantId);
    // `%` is a character to find, not a wildcard.
    const literal = await admin<MerchantList>('GET', `/v1/admin/merchants?q=${encodeURIComponent('%')}`);
    expect(literal.body.data.map((merchant) => merchant.id)).not.toContain(merchantId);
  });

  test('unknown ids are 404 and bad input 400, each naming its field', async () => {
    const unknown = await admin('GET', '/v1/admin/merchants/mer_doesnotexist');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.param).toBe('id');
    expect((await admin('GET', '/v1/admin/merchants/not-an-id')).body.error.param).toBe('id');
    expect((await admin('POST', '/v1/admin/merchants/mer_doesnotexist/suspend', { reason: 'x' })).status).toBe(404);
    expect((await admin('GET', '/v1/admin/merchants?status=closed')).body.error.param).toBe('status');
    expect((await admin('GET', '/v1/admin/merchants?live_mode=maybe')).body.error.param).toBe('live_mode');
    const extra = await admin('POST', '/v1/admin/merchants/mer_doesnotexist/reinstate', { now: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.param).toBe('now');
    const lockBad = await admin('POST', '/v1/admin/merchant_users/not-a-uuid/lock', { reason: 'x' });
    expect(lockBad.body.error.param).toBe('identity_id');
    const lockUnknown = await admin('POST', '/v1/admin/merchant_users/00000000-0000-4000-8000-000000000000/lock', {
      reason: 'x',
    });
    expect(lockUnknown.status).toBe(404);
    expect(lockUnknown.body.error.param).toBe('identity_id');
    const resend = await admin('POST', '/v1/admin/merchants/mer_doesnotexist/members/mem_nope/resend_invitation');
    expect(resend.status).toBe(404);
  });
});

describe('merchant users', () => {
  test('a locked person gets 403 in every merchant and is signed out; unlocked, they sign in again', async () => {
    const { merchantId } = await createTestMerchant();
    const person = await createPerson();
    await admin('POST', `/v1/admin/merchants/${merchantId}/members`, { email: person.email, role: 'admin' });
    const session = await signIn(person);
    expect((await consoleFetch(session, 'GET', '/v1/payments', { merchant: merchantId })).status).toBe(200);

    const noReason = await admin('POST', `/v1/admin/merchant_users/${person.identityId}/lock`, {});
    expect(noReason.body.error.param).toBe('reason');
    const locked = await admin<MerchantUser>('POST', `/v1/admin/merchant_users/${person.identityId}/lock`, {
      reason: 'Account takeover reported',
    });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({
      id: person.identityId,
      email: person.email,
      locked: true,
      locked_reason: 'Account takeover reported',
      locked_by: 'admin',
      memberships: [{ merchant: merchantId, role: 'admin' }],
    });
    expect((await admin('POST', `/v1/admin/merchant_users/${person.identityId}/lock`, { reason: 'x' })).status).toBe(
      409,
    );

    // Refused by the API whatever Kratos says (it remembers a checked session for a few seconds)…
    const refused = await consoleFetch<ErrorBody>(session, 'GET', '/v1/payments', { merchant: merchantId });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('identity_locked');
    expect((await consoleFetch<ErrorBody>(session, 'GET', '/v1/console/session')).body.error.code).toBe(
      'identity_locked',
    );
    // …and signed out at Kratos.
    const whoami = await fetch(`${testStack().kratos_public_url}/sessions/whoami`, {
      headers: { cookie: `ory_kratos_session=${session}` },
    });
    expect(whoami.status).toBe(401);
    const page = await admin<MerchantDetails>('GET', `/v1/admin/merchants/${merchantId}`);
    expect(page.body.members[0]).toMatchObject({ identity_id: person.identityId, locked: true });

    const unlocked = await admin<MerchantUser>('POST', `/v1/admin/merchant_users/${person.identityId}/unlock`);
    expect(unlocked.body).toMatchObject({ locked: false, locked_reason: null });
    expect((await admin('POST', `/v1/admin/merchant_users/${person.identityId}/unlock`)).status).toBe(409);
    const again = await signIn(person);
    expect((await consoleFetch(again, 'GET', '/v1/payments', { merchant: merchantId })).status).toBe(200);
  });

  test('an invitation is sent again to a member who has not joined, and not to one who has', async () => {
    const { merchantId } = await createTestMerchant();
    const email = `invitee-${process.pid}-${Date.now()}@example.com`;
    const invited = await admin<{ id: string }>('POST', `/v1/admin/merchants/${merchantId}/members`, {
      email,
      role: 'developer',
      locale: 'en-US',
    });
    expect(invited.status).toBe(201);
    const resent = await admin<{ id: string; email: string }>(
      'POST',
      `/v1/admin/merchants/${merchantId}/members/${invited.body.id}/resend_invitation`,
    );
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: invited.body.id, email });
    const messages = await eventually(async () => {
      const rows = await queryDb<{ object_id: string; locale: string; status: string }>(
        `select object_id, locale, status from messages where template = 'team_invitation' and object_id like $1`,
        [`${invited.body.id}%`],
      );
      expect(rows).toHaveLength(2);
      return rows;
    });
    // The second is a message of its own, in the language the person was invited in.
    expect(messages.map((row) => row.locale)).toEqual(['en-US', 'en-US']);

    const unknown = await admin('POST', `/v1/admin/merchants/${merchantId}/members/mem_doesnotexist/resend_invitation`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.param).toBe('member_id');

    const person = await createPerson();
    const joined = await admin<{ id: string }>('POST', `/v1/admin/merchants/${merchantId}/members`, {
      email: person.email,
      role: 'analyst',
    });
    await consoleFetch(await signIn(person), 'GET', '/v1/payments', { merchant: merchantId });
    const notAgain = await admin(
      'POST',
      `/v1/admin/merchants/${merchantId}/members/${joined.body.id}/resend_invitation`,
    );
    expect(notAgain.status).toBe(409);
    expect(notAgain.body.error.code).toBe('member_joined');
  });
});

describe('staff roles on the merchants routes', () => {
  test('a viewer reads but changes nothing, support locks people but suspends nobody, an operator suspends and it is audited', async () => {
    const [viewer, support, operator] = await Promise.all([
      staffSession('viewer'),
      staffSession('support'),
      staffSession('operator'),
    ]);
    const { merchantId } = await createTestMerchant();
    const person = await createPerson();
    await admin('POST', `/v1/admin/merchants/${merchantId}/members`, { email: person.email, role: 'analyst' });
    const suspend = (session: string) =>
      consoleFetch<ErrorBody>(session, 'POST', `/v1/admin/merchants/${merchantId}/suspend`, {
        body: { reason: 'Fraud review' },
      });

    expect((await consoleFetch(viewer.session, 'GET', `/v1/admin/merchants/${merchantId}`)).status).toBe(200);
    const byViewer = await suspend(viewer.session);
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.error.code).toBe('role_forbidden');
    const lockByViewer = await consoleFetch(
      viewer.session,
      'POST',
      `/v1/admin/merchant_users/${person.identityId}/lock`,
      {
        body: { reason: 'Phishing' },
      },
    );
    expect(lockByViewer.status).toBe(403);

    expect((await suspend(support.session)).status).toBe(403);
    const locked = await consoleFetch<MerchantUser>(
      support.session,
      'POST',
      `/v1/admin/merchant_users/${person.identityId}/lock`,
      { body: { reason: 'Phishing' } },
    );
    expect(locked.status).toBe(200);
    expect(locked.body.locked_by).toBe(support.person.email);

    expect((await suspend(operator.session)).status).toBe(200);
    const [entry] = await eventually(async () => {
      const rows = await queryDb<{ actor_email: string; status: number; details: { reason?: string } }>(
        `select actor_email, status, details from audit_log where action = 'merchant.suspend' and object_id = $1 and status = 200`,
        [merchantId],
      );
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(entry).toMatchObject({ actor_email: operator.person.email, details: { reason: 'Fraud review' } });
  }, 120_000);
});
