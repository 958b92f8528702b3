import { OPERATIONS } from './openapi-operations';
import { ROUTE_RULES, roleAllows, ruleFor } from './roles';
import { objectIdOf } from './route-pattern';

// The console's access rules against the API's route table: every rule names a route that exists,
// and every merchant route that changes something has a rule, so that adding one is a decision.

const merchantRoutes = OPERATIONS.filter((op) => op.access === 'merchant' || op.access === 'console').filter(
  (op) => op.path.startsWith('/v1/') && !op.path.startsWith('/v1/console/'),
);

describe('api/roles.ts', () => {
  test('every rule names a merchant route of the API', () => {
    for (const rule of ROUTE_RULES) {
      const found = merchantRoutes.find(
        (op) => op.method.toUpperCase() === rule.method && op.path === `/v1${rule.path}`,
      );
      expect({ rule: `${rule.method} ${rule.path}`, found: Boolean(found) }).toEqual({
        rule: `${rule.method} ${rule.path}`,
        found: true,
      });
    }
  });

  test('every merchant route that changes something has its own rule', () => {
    const unruled = merchantRoutes
      .filter((op) => op.method !== 'get')
      .filter(
        (op) => !ROUTE_RULES.some((rule) => rule.method === op.method.toUpperCase() && `/v1${rule.path}` === op.path),
      )
      .map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(unruled).toEqual([]);
  });

  test('console-only routes are those the OpenAPI document marks as console', () => {
    for (const op of merchantRoutes) {
      const rule = ruleFor(op.method.toUpperCase(), op.path.slice('/v1'.length).replace(/:id/g, 'x_1'));
      expect({ route: op.path, consoleOnly: Boolean(rule.consoleOnly) }).toEqual({
        route: op.path,
        consoleOnly: op.access === 'console',
      });
    }
  });

  test('what each role may do', () => {
    expect(roleAllows('analyst', 'read')).toBe(true);
    expect(roleAllows('analyst', 'refund')).toBe(false);
    expect(roleAllows('support', 'refund')).toBe(true);
    expect(roleAllows('support', 'write')).toBe(false);
    expect(roleAllows('developer', 'develop')).toBe(true);
    expect(roleAllows('developer', 'refund')).toBe(false);
    expect(roleAllows('admin', 'team')).toBe(true);
  });

  test('a rule finds its path and its object id; an unlisted change needs write', () => {
    const cancel = ruleFor('POST', '/payments/pay_abc/cancel');
    expect(cancel).toMatchObject({ action: 'payment.cancel', permission: 'write' });
    expect(objectIdOf(cancel, '/payments/pay_abc/cancel')).toBe('pay_abc');
    expect(ruleFor('POST', '/something_new')).toMatchObject({ permission: 'write' });
    expect(ruleFor('GET', '/something_new')).toMatchObject({ permission: 'read' });
  });
});
