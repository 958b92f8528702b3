import type { Request } from 'express';
import type { MemberRole } from '../db/entities';
import { PermissionError } from './errors';
import { routePattern } from './route-pattern';

/** What a request needs its caller to be allowed. */
export type Permission =
  /** Reading anything of the merchant's. */
  | 'read'
  /** Payments, checkout sessions, customers, coupons, tax rates, the account's settings. */
  | 'write'
  /** Refunds; a support member's are capped by their refund limit. */
  | 'refund'
  /** API keys, webhook endpoints, resending events. */
  | 'develop'
  /** The team and the audit log. */
  | 'team';

export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'admin', 'developer', 'analyst', 'support'];

/** The roles: owner and admin do everything (only an owner makes owners or requires MFA). */
const GRANTS: Record<MemberRole, readonly Permission[]> = {
  owner: ['read', 'write', 'refund', 'develop', 'team'],
  admin: ['read', 'write', 'refund', 'develop', 'team'],
  developer: ['read', 'develop'],
  analyst: ['read'],
  support: ['read', 'refund'],
};

export function roleAllows(role: MemberRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/**
 * One merchant route as the console's access rules see it. `action` names it in the audit log;
 * `object` is the kind of object its `:id` (or its answer's id) is. `consoleOnly`: a secret key
 * may not call it (keys cannot mint keys or change the team).
 */
export interface RouteRule {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  permission: Permission;
  action: string;
  object: string | null;
  consoleOnly?: boolean;
}

const rule = (
  method: RouteRule['method'],
  path: string,
  permission: Permission,
  action: string,
  object: string | null,
  consoleOnly = false,
): RouteRule => ({ method, path, permission, action, object, consoleOnly });

/**
 * Every merchant route that changes something, and the reads only some may make. A GET not listed
 * needs `read`; any other request not listed needs `write`, so a new route is closed to analysts,
 * developers and support until it is listed here (api/roles.test.ts holds the table to the router).
 */
export const ROUTE_RULES: readonly RouteRule[] = [
  rule('POST', '/payments', 'write', 'payment.create', 'payment'),
  rule('POST', '/payments/:id/cancel', 'write', 'payment.cancel', 'payment'),
  rule('POST', '/refunds', 'refund', 'refund.create', 'refund'),
  // An export only reads: whoever may read payments may take them away as CSV.
  rule('POST', '/payment_exports', 'read', 'payment_export.create', 'payment_export'),
  rule('POST', '/checkout/sessions', 'write', 'checkout_session.create', 'checkout_session'),
  rule('POST', '/checkout/sessions/:id/expire', 'write', 'checkout_session.expire', 'checkout_session'),
  rule('POST', '/customers', 'write', 'customer.create', 'customer'),
  rule('POST', '/customers/:id', 'write', 'customer.update', 'customer'),
  rule('DELETE', '/customers/:id', 'write', 'customer.erase', 'customer'),
  rule('POST', '/coupons', 'write', 'coupon.create', 'coupon'),
  rule('POST', '/coupons/:code', 'write', 'coupon.update', 'coupon'),
  rule('POST', '/tax_rates', 'write', 'tax_rate.create', 'tax_rate'),
  rule('POST', '/tax_rates/:id', 'write', 'tax_rate.update', 'tax_rate'),
  rule('POST', '/account', 'write', 'account.update', 'account'),
  rule('POST', '/account/live_mode_request', 'write', 'account.request_live_mode', 'account', true),
  rule('GET', '/api_keys', 'develop', 'api_key.list', 'api_key', true),
  rule('POST', '/api_keys', 'develop', 'api_key.create', 'api_key', true),
  rule('POST', '/api_keys/:id/roll', 'develop', 'api_key.roll', 'api_key', true),
  rule('POST', '/api_keys/:id/revoke', 'develop', 'api_key.revoke', 'api_key', true),
  rule('POST', '/webhook_endpoints', 'develop', 'webhook_endpoint.create', 'webhook_endpoint'),
  rule('POST', '/webhook_endpoints/:id', 'develop', 'webhook_endpoint.update', 'webhook_endpoint'),
  rule('POST', '/webhook_endpoints/:id/roll_secret', 'develop', 'webhook_endpoint.roll_secret', 'webhook_endpoint'),
  rule('DELETE', '/webhook_endpoints/:id', 'develop', 'webhook_endpoint.delete', 'webhook_endpoint'),
  rule('POST', '/events/:id/resend', 'develop', 'event.resend', 'event'),
  rule('GET', '/team/members', 'read', 'member.list', 'member', true),
  rule('POST', '/team/members', 'team', 'member.invite', 'member', true),
  rule('POST', '/team/members/:id', 'team', 'member.update', 'member', true),
  rule('DELETE', '/team/members/:id', 'team', 'member.remove', 'member', true),
  rule('GET', '/audit_log', 'team', 'audit_log.list', null, true),
];

const COMPILED = ROUTE_RULES.map((entry) => ({ entry, regexp: routePattern(entry.path) }));

/** The rule of a request to the merchant API (path relative to `/v1`), or the default one. */
export function ruleFor(method: string, path: string): RouteRule {
  const found = COMPILED.find(({ entry, regexp }) => entry.method === method && regexp.test(path));
  if (found) return found.entry;
  return method === 'GET' || method === 'HEAD'
    ? rule('GET', path, 'read', 'read', null)
    : rule(method as RouteRule['method'], path, 'write', `${method.toLowerCase()} ${path}`, null);
}

/** Refuses a member whose role lacks the rule's permission, naming both. */
export function assertAllowed(role: MemberRole, rule: RouteRule, req: Request): void {
  if (roleAllows(role, rule.permission)) return;
  throw new PermissionError(
    'role_forbidden',
    `Your role (${role}) cannot do this (${req.method} ${req.baseUrl}${req.path} needs the ${rule.permission} permission).`,
  );
}
