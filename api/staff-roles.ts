import type { Request } from 'express';
import type { StaffRole } from '../db/team-entities';
import { PermissionError } from './errors';
import { routePattern } from './route-pattern';

export const STAFF_ROLES: readonly StaffRole[] = ['superadmin', 'operator', 'support', 'viewer'];

/** What an admin request needs its caller to be allowed. */
export type StaffPermission =
  /** Reading: merchants, transactions, queues, logs, templates. Never a credential: none is ever answered. */
  | 'read'
  /** Helping people: merchant users (lock, resend an invitation), end users (erase on request). */
  | 'assist'
  /** Moving the platform: merchants (create, live mode, suspend, keys), refunds (retry, cancel),
   * reconciliation (run, resolve), templates (edit, publish, test send). */
  | 'operate'
  /** Provider and message accounts: their credentials are written (never read) and tested. */
  | 'credentials'
  /** The staff themselves: invite, change role, lock, reset a second factor. */
  | 'staff';

export const STAFF_PERMISSIONS: readonly StaffPermission[] = ['read', 'assist', 'operate', 'credentials', 'staff'];

/** The roles: a viewer reads, support helps people, an operator runs the platform, only a superadmin manages staff. */
const GRANTS: Record<StaffRole, readonly StaffPermission[]> = {
  superadmin: ['read', 'assist', 'operate', 'credentials', 'staff'],
  operator: ['read', 'assist', 'operate', 'credentials'],
  support: ['read', 'assist'],
  viewer: ['read'],
};

export function staffRoleAllows(role: StaffRole, permission: StaffPermission): boolean {
  return GRANTS[role].includes(permission);
}

/** One admin route (path relative to `/v1/admin`) as access control and the audit log see it. */
export interface StaffRouteRule {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  permission: StaffPermission;
  /** Names the action in the audit log (`refund.retry`). */
  action: string;
  /** The kind of object its `:id` (or its answer's id) is. */
  object: string | null;
}

const rule = (
  method: StaffRouteRule['method'],
  path: string,
  permission: StaffPermission,
  action: string,
  object: string | null,
): StaffRouteRule => ({ method, path, permission, action, object });

/**
 * Every admin route that changes something, and the reads only some may make. A GET not listed
 * needs `read`; any other request not listed needs `staff`, so a new route is closed to all but
 * superadmins until it is listed here (api/staff-roles.test.ts holds the table to the router).
 */
export const STAFF_ROUTE_RULES: readonly StaffRouteRule[] = [
  rule('POST', '/merchants', 'operate', 'merchant.create', 'merchant'),
  rule('POST', '/merchants/:id/sandbox_accounts', 'operate', 'merchant.open_sandbox_accounts', 'merchant'),
  rule('POST', '/merchants/:id/members', 'assist', 'merchant_member.invite', 'merchant'),
  rule('POST', '/merchants/:id/api_keys', 'operate', 'api_key.create', 'merchant'),
  rule('POST', '/merchants/:id/suspend', 'operate', 'merchant.suspend', 'merchant'),
  rule('POST', '/merchants/:id/reinstate', 'operate', 'merchant.reinstate', 'merchant'),
  rule('POST', '/merchants/:id/live_mode/approve', 'operate', 'merchant.live_mode_approve', 'merchant'),
  rule('POST', '/merchants/:id/live_mode/revoke', 'operate', 'merchant.live_mode_revoke', 'merchant'),
  rule(
    'POST',
    '/merchants/:id/members/:member_id/resend_invitation',
    'assist',
    'merchant_member.resend_invitation',
    'merchant',
  ),
  rule('POST', '/merchant_users/:identity_id/lock', 'assist', 'merchant_user.lock', 'merchant_user'),
  rule('POST', '/merchant_users/:identity_id/unlock', 'assist', 'merchant_user.unlock', 'merchant_user'),
  rule('DELETE', '/api_keys/:id', 'operate', 'api_key.revoke', 'api_key'),
  rule('POST', '/refunds/:id/retry', 'operate', 'refund.retry', 'refund'),
  rule('POST', '/refunds/:id/cancel', 'operate', 'refund.cancel', 'refund'),
  rule('POST', '/reconciliation_runs', 'operate', 'reconciliation_run.create', 'reconciliation_run'),
  rule(
    'POST',
    '/reconciliation_discrepancies/:id/resolve',
    'operate',
    'reconciliation_discrepancy.resolve',
    'reconciliation_discrepancy',
  ),
  // A merchant whose server was down asks for what it missed: its event delivered again, as it could itself.
  rule('POST', '/events/:id/resend', 'assist', 'event.resend', 'event'),
  // An end user's request to be forgotten, carried out for them (as their merchant's erase).
  rule('DELETE', '/customers/:id', 'assist', 'customer.erase', 'customer'),
  rule('POST', '/templates', 'operate', 'template.create', 'template'),
  rule('PATCH', '/templates/:id', 'operate', 'template.update', 'template'),
  // A preview renders a draft with sample values: it changes nothing.
  rule('POST', '/templates/:id/preview', 'read', 'template.preview', 'template'),
  rule('POST', '/templates/:id/publish', 'operate', 'template.publish', 'template'),
  rule('POST', '/templates/:id/test_send', 'operate', 'template.test_send', 'template'),
  rule('POST', '/merchants/:id/provider_accounts', 'credentials', 'provider_account.create', 'merchant'),
  rule('POST', '/provider_accounts/:id', 'credentials', 'provider_account.update', 'provider_account'),
  // A signed query with the account's key: a use of the credentials, answered with the provider's words.
  rule('POST', '/provider_accounts/:id/test', 'credentials', 'provider_account.test', 'provider_account'),
  rule('POST', '/merchants/:id/channel_routes', 'operate', 'channel_route.set', 'merchant'),
  rule('DELETE', '/merchants/:id/channel_routes/:channel', 'operate', 'channel_route.delete', 'merchant'),
  rule('GET', '/message_accounts', 'read', 'message_account.list', 'message_account'),
  rule('POST', '/message_accounts', 'credentials', 'message_account.create', 'message_account'),
  rule('POST', '/message_accounts/:id', 'credentials', 'message_account.update', 'message_account'),
  rule('POST', '/staff', 'staff', 'staff_member.invite', 'staff_member'),
  rule('POST', '/staff/:id', 'staff', 'staff_member.update', 'staff_member'),
  rule('POST', '/staff/:id/lock', 'staff', 'staff_member.lock', 'staff_member'),
  rule('POST', '/staff/:id/unlock', 'staff', 'staff_member.unlock', 'staff_member'),
  rule('POST', '/staff/:id/reset_second_factor', 'staff', 'staff_member.reset_second_factor', 'staff_member'),
];

const COMPILED = STAFF_ROUTE_RULES.map((entry) => ({ entry, regexp: routePattern(entry.path) }));

/** The rule of a request to the admin API (path relative to `/v1/admin`), or the default one. */
export function staffRuleFor(method: string, path: string): StaffRouteRule {
  const found = COMPILED.find(({ entry, regexp }) => entry.method === method && regexp.test(path));
  if (found) return found.entry;
  return method === 'GET' || method === 'HEAD'
    ? rule('GET', path, 'read', 'read', null)
    : rule(method as StaffRouteRule['method'], path, 'staff', `${method.toLowerCase()} ${path}`, null);
}

/** Refuses a staff member whose role lacks the rule's permission, naming both. */
export function assertStaffAllowed(role: StaffRole, rule: StaffRouteRule, req: Request): void {
  if (staffRoleAllows(role, rule.permission)) return;
  throw new PermissionError(
    'role_forbidden',
    `Your role (${role}) cannot do this (${req.method} ${req.baseUrl}${req.path} needs the ${rule.permission} permission).`,
  );
}
