import { queryDb } from './db';
import { consoleFetch, createPerson, signIn, staffSession, useTotp, type TestPerson } from './kratos-sessions';
import { mailMatching } from './console-browser';
import { adminFetch, testStack } from './stack';

// The admin API as the admin console uses it: a platform staff member's Kratos session (a `staff`
// identity made through Kratos' admin API) that used a second factor, their role enforced by the
// API, every change in the audit log; and the admin token beside it for automation.

interface ErrorBody {
  error: { type: string; code: string; param: string | null; message: string };
}
interface Staff {
  id: string;
  email: string;
  role: string;
  locked: boolean;
  locked_reason: string | null;
  joined_at: string | null;
  you: boolean;
}
interface StaffSession {
  staff: Staff;
  aal: string;
  second_factor_required: boolean;
  permissions: string[];
}

const asStaff = consoleFetch;

describe('staff sessions on the admin API', () => {
  let superadmin: { person: TestPerson; session: string; secret: string };

  beforeAll(async () => {
    superadmin = await staffSession('superadmin');
  }, 60_000);

  test('a superadmin who set up an authenticator app: aal2, every permission, the staff list', async () => {
    const session = await asStaff<StaffSession>(superadmin.session, 'GET', '/v1/staff/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      aal: 'aal2',
      second_factor_required: false,
      staff: { email: superadmin.person.email, role: 'superadmin', you: true },
      permissions: ['read', 'assist', 'operate', 'credentials', 'staff'],
    });
    const staff = await asStaff<{ data: Staff[] }>(superadmin.session, 'GET', '/v1/admin/staff');
    expect(staff.status).toBe(200);
    expect(staff.body.data.find((person) => person.email === superadmin.person.email)).toMatchObject({
      you: true,
      joined_at: expect.any(String),
    });
  });

  test('without a second factor a staff member reaches only their session, which says to set one up', async () => {
    const person = await createPerson({ schema: 'staff' });
    expect((await adminFetch('POST', '/v1/admin/staff', { email: person.email, role: 'operator' })).status).toBe(201);
    const session = await signIn(person);
    const own = await asStaff<StaffSession>(session, 'GET', '/v1/staff/session');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ aal: 'aal1', second_factor_required: true });
    const refused = await asStaff<ErrorBody>(session, 'GET', '/v1/admin/merchants');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
  });

  test('a viewer reads but cannot retry a refund or invite; an operator cannot manage staff', async () => {
    const viewer = await staffSession('viewer');
    expect((await asStaff(viewer.session, 'GET', '/v1/admin/refunds?status=requires_attention')).status).toBe(200);
    const retry = await asStaff<ErrorBody>(viewer.session, 'POST', '/v1/admin/refunds/re_doesnotexist/retry', {
      body: { reason: 'looks stuck' },
    });
    expect(retry.status).toBe(403);
    expect(retry.body.error).toMatchObject({ code: 'role_forbidden' });
    expect(retry.body.error.message).toContain('operate');
    const invite = await asStaff<ErrorBody>(viewer.session, 'POST', '/v1/admin/staff', {
      body: { email: 'someone@example.com', role: 'viewer' },
    });
    expect(invite.status).toBe(403);

    const operator = await staffSession('operator');
    const { body: own } = await asStaff<StaffSession>(operator.session, 'GET', '/v1/staff/session');
    const promote = await asStaff<ErrorBody>(operator.session, 'POST', `/v1/admin/staff/${own.staff.id}`, {
      body: { role: 'superadmin' },
    });
    expect(promote.status).toBe(403);
    expect(promote.body.error.code).toBe('role_forbidden');
  }, 60_000);

  test('each sign-in stays in its own console: a merchant user is refused here, a staff member in the merchant console', async () => {
    const merchantUser = await signIn(await createPerson());
    const admin = await asStaff<ErrorBody>(merchantUser, 'GET', '/v1/staff/session');
    expect(admin.status).toBe(403);
    expect(admin.body.error.code).toBe('admin_forbidden');
    const console = await asStaff<ErrorBody>(superadmin.session, 'GET', '/v1/console/session');
    expect(console.status).toBe(403);
    expect(console.body.error.code).toBe('console_forbidden');
  });

  test('a superadmin invites an operator: a Kratos staff identity, the invitation e-mail, an audit entry', async () => {
    const email = `ops-${Date.now()}@example.com`;
    const invited = await asStaff<Staff>(superadmin.session, 'POST', '/v1/admin/staff', {
      body: { email, role: 'operator', locale: 'en-US' },
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ email, role: 'operator', joined_at: null, locked: false });
    const identities = (await (
      await fetch(`${testStack().kratos_admin_url}/admin/identities?credentials_identifier=${email}`)
    ).json()) as { schema_id: string }[];
    expect(identities.map((identity) => identity.schema_id)).toEqual(['staff']);
    // The invitation's link carries a recovery flow and its code: the person sets a password, then a second factor.
    expect((await mailMatching(email, /\/auth\/recovery\?flow=[^&\s]+&code=\d+/))[0]).toBeTruthy();

    const again = await asStaff<ErrorBody>(superadmin.session, 'POST', '/v1/admin/staff', {
      body: { email, role: 'viewer' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'staff_exists', param: 'email' });
    const bad = await asStaff<ErrorBody>(superadmin.session, 'POST', '/v1/admin/staff', {
      body: { email: 'not an address', role: 'operator' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('email');

    const audit = await queryDb<{ actor_type: string; actor_email: string; status: number; object_id: string }>(
      "select actor_type, actor_email, status, object_id from audit_log where action = 'staff_member.invite' and actor = $1 order by id",
      [superadmin.person.identityId],
    );
    expect(audit.filter((entry) => entry.status === 201)).toEqual([
      { actor_type: 'staff', actor_email: superadmin.person.email, status: 201, object_id: invited.body.id },
    ]);
  }, 60_000);

  test('a locked staff member is refused at once; a reset second factor sends them to set up a new one', async () => {
    const operator = await staffSession('operator');
    const { body: me } = await asStaff<StaffSession>(operator.session, 'GET', '/v1/staff/session');
    const noReason = await asStaff<ErrorBody>(superadmin.session, 'POST', `/v1/admin/staff/${me.staff.id}/lock`, {
      body: {},
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.param).toBe('reason');
    const locked = await asStaff<Staff>(superadmin.session, 'POST', `/v1/admin/staff/${me.staff.id}/lock`, {
      body: { reason: 'laptop stolen' },
    });
    expect(locked.body).toMatchObject({ locked: true, locked_reason: 'laptop stolen' });
    const refused = await asStaff<ErrorBody>(operator.session, 'GET', '/v1/admin/merchants');
    // Refused by the lock, or already by Kratos, which ended the session.
    expect([401, 403]).toContain(refused.status);
    const unlocked = await asStaff<Staff>(superadmin.session, 'POST', `/v1/admin/staff/${me.staff.id}/unlock`, {
      body: {},
    });
    expect(unlocked.body.locked).toBe(false);

    const reset = await asStaff<Staff>(
      superadmin.session,
      'POST',
      `/v1/admin/staff/${me.staff.id}/reset_second_factor`,
      { body: {} },
    );
    expect(reset.status).toBe(200);
    // The old authenticator no longer counts: a password sign-in is all there is, and it says so.
    const again = await signIn(operator.person);
    await expect(useTotp(again, operator.secret)).rejects.toThrow();
    const own = await asStaff<StaffSession>(again, 'GET', '/v1/staff/session');
    expect(own.body).toMatchObject({ aal: 'aal1', second_factor_required: true });
  }, 90_000);
});
