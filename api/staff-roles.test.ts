import { OPERATIONS } from './openapi-operations';
import { STAFF_ROUTE_RULES, staffRoleAllows, staffRuleFor } from './staff-roles';

// The admin console's access rules against the API's route table: every rule names an admin route
// that exists, and every admin route that changes something has a rule, so adding one is a decision.

const adminRoutes = OPERATIONS.filter((op) => op.path.startsWith('/v1/admin/'));

describe('api/staff-roles.ts', () => {
  test('every rule names an admin route of the API', () => {
    const missing = STAFF_ROUTE_RULES.filter(
      (rule) =>
        !adminRoutes.some((op) => op.method.toUpperCase() === rule.method && op.path === `/v1/admin${rule.path}`),
    ).map((rule) => `${rule.method} ${rule.path}`);
    expect(missing).toEqual([]);
  });

  test('every admin route that changes something has its own rule', () => {
    const unruled = adminRoutes
      .filter((op) => op.method !== 'get')
      .filter(
        (op) =>
          !STAFF_ROUTE_RULES.some(
            (rule) => rule.method === op.method.toUpperCase() && `/v1/admin${rule.path}` === op.path,
          ),
      )
      .map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(unruled).toEqual([]);
  });

  test('what each role may do: a viewer reads, only a superadmin manages staff', () => {
    expect(staffRoleAllows('viewer', 'read')).toBe(true);
    expect(staffRoleAllows('viewer', 'operate')).toBe(false);
    expect(staffRoleAllows('viewer', 'credentials')).toBe(false);
    expect(staffRoleAllows('support', 'assist')).toBe(true);
    expect(staffRoleAllows('support', 'operate')).toBe(false);
    expect(staffRoleAllows('operator', 'operate')).toBe(true);
    expect(staffRoleAllows('operator', 'staff')).toBe(false);
    expect(staffRoleAllows('superadmin', 'staff')).toBe(true);
  });

  test('a refund retry needs operate; an unlisted change needs staff, an unlisted read needs read', () => {
    expect(staffRuleFor('POST', '/refunds/re_abc/retry')).toMatchObject({
      action: 'refund.retry',
      permission: 'operate',
    });
    expect(staffRuleFor('POST', '/something_new')).toMatchObject({ permission: 'staff' });
    expect(staffRuleFor('GET', '/something_new')).toMatchObject({ permission: 'read' });
  });
});
