import { queryDb } from './db';
import { consoleFetch, createPerson, signIn, type TestPerson } from './kratos-sessions';
import { apiFetch, createTestMerchant, eventually, testStack } from './stack';

// The API as the consoles use it: a Kratos session forwarded by the console's server, a merchant
// the person belongs to, roles enforced by the API itself, and every change in the audit log.

interface ErrorBody {
  error: { type: string; code: string; param: string | null; message: string };
}

const asPerson = consoleFetch;

interface Membership {
  merchant: { id: string; name: string; live_mode: string; require_mfa: boolean };
  member: string;
  role: string;
}
interface Member {
  id: string;
  email: string;
  role: string;
  refund_limit: number | null;
  joined_at: string | null;
  you: boolean;
}

describe('console sessions on the merchant API', () => {
  let owner: TestPerson;
  let ownerSession: string;
  let merchant: string;

  beforeAll(async () => {
    owner = await createPerson({ name: 'Owner Wang' });
    ownerSession = await signIn(owner);
    const session = await asPerson<{ memberships: Membership[]; identity: { email: string; aal: string } }>(
      ownerSession,
      'GET',
      '/v1/console/session',
    );
    expect(session.status).toBe(200);
    expect(session.body.identity).toMatchObject({ email: owner.email, aal: 'aal1' });
    expect(session.body.memberships).toEqual([]);
    const created = await asPerson<Membership>(ownerSession, 'POST', '/v1/console/merchants', {
      body: { name: 'Console Tea House' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      role: 'owner',
      merchant: { name: 'Console Tea House', live_mode: 'unavailable' },
    });
    merchant = created.body.merchant.id;
    // The same form sent again at once (a double click): the same merchant, not a second one.
    const again = await asPerson<Membership>(ownerSession, 'POST', '/v1/console/merchants', {
      body: { name: 'Console Tea House' },
    });
    expect(again.body.merchant.id).toBe(merchant);
  });

  test('a signed-up merchant works in test mode; live mode waits for an admin; others are not members', async () => {
    const payments = await asPerson(ownerSession, 'GET', '/v1/payments', { merchant });
    expect(payments.status).toBe(200);
    const created = await asPerson<{ id: string; livemode: boolean }>(ownerSession, 'POST', '/v1/payments', {
      merchant,
      body: { amount: 1500, currency: 'CNY', channel: 'alipay_qr', description: 'Console test' },
    });
    expect(created.status).toBe(201);
    expect(created.body.livemode).toBe(false);

    const live = await asPerson<ErrorBody>(ownerSession, 'GET', '/v1/payments', { merchant, mode: 'live' });
    expect(live.status).toBe(403);
    expect(live.body.error).toMatchObject({ code: 'live_mode_unavailable', param: 'Tongbao-Mode' });

    const noMerchant = await asPerson<ErrorBody>(ownerSession, 'GET', '/v1/payments');
    expect(noMerchant.status).toBe(400);
    expect(noMerchant.body.error.param).toBe('Tongbao-Merchant');

    const other = await createTestMerchant();
    const notMine = await asPerson<ErrorBody>(ownerSession, 'GET', '/v1/payments', { merchant: other.merchantId });
    expect(notMine.status).toBe(403);
    expect(notMine.body.error.code).toBe('not_a_member');

    const forged = await asPerson<ErrorBody>('not-a-session-at-all-0123456789', 'GET', '/v1/payments', { merchant });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('session_invalid');
  });

  test('roles are enforced by the API: an analyst reads but cannot refund; support refunds up to its limit', async () => {
    const analyst = await createPerson({ name: 'Analyst Li' });
    const support = await createPerson({ name: 'Support Zhao' });
    for (const [person, role, extra] of [
      [analyst, 'analyst', {}],
      [support, 'support', { refund_limit: 500 }],
    ] as const) {
      const invited = await asPerson<Member>(ownerSession, 'POST', '/v1/team/members', {
        merchant,
        body: { email: person.email, role, ...extra },
      });
      expect(invited.status).toBe(201);
      expect(invited.body).toMatchObject({ email: person.email, role, joined_at: null });
    }
    const analystSession = await signIn(analyst);
    expect((await asPerson(analystSession, 'GET', '/v1/payments', { merchant })).status).toBe(200);
    const refund = await asPerson<ErrorBody>(analystSession, 'POST', '/v1/refunds', {
      merchant,
      body: { payment: 'pay_doesnotexist', amount: 100 },
    });
    expect(refund.status).toBe(403);
    expect(refund.body.error.code).toBe('role_forbidden');
    expect(refund.body.error.message).toContain('analyst');
    const pay = await asPerson<ErrorBody>(analystSession, 'POST', '/v1/payments', {
      merchant,
      body: { amount: 100, currency: 'CNY', channel: 'alipay_qr' },
    });
    expect(pay.status).toBe(403);

    const supportSession = await signIn(support);
    const over = await asPerson<ErrorBody>(supportSession, 'POST', '/v1/refunds', {
      merchant,
      body: { payment: 'pay_doesnotexist', amount: 600 },
    });
    expect(over.status).toBe(403);
    expect(over.body.error).toMatchObject({ code: 'refund_limit_exceeded', param: 'amount' });
    // Within the limit the request reaches the refunds service, which finds no such payment.
    const within = await asPerson<ErrorBody>(supportSession, 'POST', '/v1/refunds', {
      merchant,
      body: { payment: 'pay_doesnotexist', amount: 300 },
    });
    expect(within.body.error).toMatchObject({ code: 'resource_missing', param: 'payment' });

    // Joining is recorded with the first request.
    const team = await asPerson<{ data: Member[] }>(ownerSession, 'GET', '/v1/team/members', { merchant });
    expect(team.body.data.find((m) => m.email === analyst.email)?.joined_at).not.toBeNull();
    expect(team.body.data.find((m) => m.email === owner.email)?.you).toBe(true);
    // An analyst may see the team but not change it.
    const promote = await asPerson<ErrorBody>(analystSession, 'POST', `/v1/team/members/${team.body.data[1].id}`, {
      merchant,
      body: { role: 'admin' },
    });
    expect(promote.status).toBe(403);
  });

  test('the last owner stays; only an owner makes owners; a secret key cannot manage the team', async () => {
    const team = await asPerson<{ data: Member[] }>(ownerSession, 'GET', '/v1/team/members', { merchant });
    const me = team.body.data.find((m) => m.you)!;
    const removeSelf = await asPerson<ErrorBody>(ownerSession, 'DELETE', `/v1/team/members/${me.id}`, { merchant });
    expect(removeSelf.status).toBe(409);
    expect(removeSelf.body.error.code).toBe('last_owner');
    const demoteSelf = await asPerson<ErrorBody>(ownerSession, 'POST', `/v1/team/members/${me.id}`, {
      merchant,
      body: { role: 'admin' },
    });
    expect(demoteSelf.status).toBe(409);

    const admin = await createPerson({ name: 'Admin Chen' });
    const invited = await asPerson<Member>(ownerSession, 'POST', '/v1/team/members', {
      merchant,
      body: { email: admin.email, role: 'admin' },
    });
    const adminSession = await signIn(admin);
    const grab = await asPerson<ErrorBody>(adminSession, 'POST', `/v1/team/members/${invited.body.id}`, {
      merchant,
      body: { role: 'owner' },
    });
    expect(grab.status).toBe(403);
    expect(grab.body.error.code).toBe('owner_required');
    const removeOwner = await asPerson<ErrorBody>(adminSession, 'DELETE', `/v1/team/members/${me.id}`, { merchant });
    expect(removeOwner.status).toBe(403);

    // With a second owner, the first may step down.
    const promoted = await asPerson<Member>(ownerSession, 'POST', `/v1/team/members/${invited.body.id}`, {
      merchant,
      body: { role: 'owner' },
    });
    expect(promoted.body.role).toBe('owner');
    const removed = await asPerson<Member>(adminSession, 'DELETE', `/v1/team/members/${me.id}`, { merchant });
    expect(removed.status).toBe(200);
    const gone = await asPerson<ErrorBody>(ownerSession, 'GET', '/v1/payments', { merchant });
    expect(gone.status).toBe(403);

    const key = await createTestMerchant();
    const byKey = await apiFetch<ErrorBody>(key.secretKey, 'GET', '/v1/team/members');
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.code).toBe('console_only');
  });

  test('an invitation creates the identity and e-mails a link with a recovery code; secrets stay out of the audit log', async () => {
    const person = await createPerson();
    const session = await signIn(person);
    const own = await asPerson<Membership>(session, 'POST', '/v1/console/merchants', { body: { name: 'Audit Shop' } });
    const shop = own.body.merchant.id;
    const email = `invitee-${Date.now()}@example.com`;
    const invited = await asPerson<Member>(session, 'POST', '/v1/team/members', {
      merchant: shop,
      body: { email, role: 'developer', locale: 'en-US' },
    });
    expect(invited.status).toBe(201);
    const identities = (await (
      await fetch(`${testStack().kratos_admin_url}/admin/identities?credentials_identifier=${email}`)
    ).json()) as { id: string; traits: { email: string; locale: string } }[];
    expect(identities).toHaveLength(1);
    expect(identities[0].traits.locale).toBe('en-US');
    const message = await eventually(
      async () => {
        const rows = await queryDb<{
          template: string;
          status: string;
          locale: string;
          template_content: { body: string };
        }>(`select template, status, locale, template_content from messages where object_id = $1`, [invited.body.id]);
        expect(rows[0]?.status).toMatch(/sent|delivered/);
        return rows[0];
      },
      { timeoutMs: 30_000 },
    );
    expect(message).toMatchObject({ template: 'team_invitation', locale: 'en-US' });

    // A customer created and renamed: both in the audit log, with who, where from, and before/after.
    const customer = await asPerson<{ id: string }>(session, 'POST', '/v1/customers', {
      merchant: shop,
      body: { name: 'Zhang San', email: 'zhang@example.com' },
    });
    await asPerson(session, 'POST', `/v1/customers/${customer.body.id}`, {
      merchant: shop,
      body: { name: 'Zhang Si' },
    });
    const log = await asPerson<{
      data: {
        action: string;
        actor: { email: string };
        object_id: string;
        forwarded_for: string;
        before: { name?: string } | null;
        after: Record<string, unknown> | null;
      }[];
    }>(session, 'GET', '/v1/audit_log', { merchant: shop });
    expect(log.status).toBe(200);
    const update = log.body.data.find((entry) => entry.action === 'customer.update')!;
    expect(update).toMatchObject({
      actor: { email: person.email },
      object_id: customer.body.id,
      forwarded_for: '203.0.113.7',
      before: { name: 'Zhang San' },
      after: { name: 'Zhang Si' },
    });
    expect(log.body.data.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['merchant.create', 'customer.create', 'customer.update', 'member.invite']),
    );
    const everything = JSON.stringify(log.body.data);
    expect(everything).not.toMatch(/code=/);
  });

  test('a merchant that requires a second factor refuses a session without one', async () => {
    const person = await createPerson();
    const session = await signIn(person);
    const own = await asPerson<Membership>(session, 'POST', '/v1/console/merchants', { body: { name: 'MFA Shop' } });
    await queryDb('update merchants set require_mfa = true where id = $1', [own.body.merchant.id]);
    const refused = await asPerson<ErrorBody>(session, 'GET', '/v1/payments', { merchant: own.body.merchant.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
  });

  test('only an owner requires a second factor of everyone, and only from a session that used one', async () => {
    const person = await createPerson();
    const session = await signIn(person);
    const own = await asPerson<Membership>(session, 'POST', '/v1/console/merchants', { body: { name: 'MFA Owner' } });
    const shop = own.body.merchant.id;
    const admin = await createPerson();
    await asPerson(session, 'POST', '/v1/team/members', {
      merchant: shop,
      body: { email: admin.email, role: 'admin' },
    });
    const byAdmin = await asPerson<ErrorBody>(await signIn(admin), 'POST', '/v1/account', {
      merchant: shop,
      body: { require_mfa: true },
    });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error).toMatchObject({ code: 'owner_required', param: 'require_mfa' });
    // An admin still changes the branding.
    const branding = await asPerson<{ display_name: string; require_mfa: boolean }>(
      await signIn(admin),
      'POST',
      '/v1/account',
      { merchant: shop, body: { display_name: 'MFA Owner Shop' } },
    );
    expect(branding.status).toBe(200);
    expect(branding.body).toMatchObject({ display_name: 'MFA Owner Shop', require_mfa: false });

    // The owner signed in with a password alone would lock themselves out: refused, naming the field.
    const withoutSecondFactor = await asPerson<ErrorBody>(session, 'POST', '/v1/account', {
      merchant: shop,
      body: { require_mfa: true },
    });
    expect(withoutSecondFactor.status).toBe(403);
    expect(withoutSecondFactor.body.error).toMatchObject({ code: 'mfa_required', param: 'require_mfa' });
    const off = await asPerson<{ require_mfa: boolean }>(session, 'POST', '/v1/account', {
      merchant: shop,
      body: { require_mfa: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.require_mfa).toBe(false);
    const [row] = await queryDb<{ require_mfa: boolean }>('select require_mfa from merchants where id = $1', [shop]);
    expect(row.require_mfa).toBe(false);

    const key = await createTestMerchant();
    const byKey = await apiFetch<ErrorBody>(key.secretKey, 'POST', '/v1/account', { require_mfa: false });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.code).toBe('owner_required');
  });
});
