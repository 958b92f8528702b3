/**
 * What the console shows each role: the API decides (api/roles.ts), the console only hides what the
 * API would refuse. Kept in step with api/roles.ts's grants.
 */
import { m } from '$lib/paraglide/messages.js';

export type Role = 'owner' | 'admin' | 'developer' | 'analyst' | 'support';
export type Permission = 'read' | 'write' | 'refund' | 'develop' | 'team';

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: ['read', 'write', 'refund', 'develop', 'team'],
  admin: ['read', 'write', 'refund', 'develop', 'team'],
  developer: ['read', 'develop'],
  analyst: ['read'],
  support: ['read', 'refund'],
};

export const ROLES: readonly Role[] = ['owner', 'admin', 'developer', 'analyst', 'support'];

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role ? GRANTS[role].includes(permission) : false;
}

/** A member's role in the page's language (the team page, the admin console's merchant page). */
export function memberRoleName(role: Role): string {
  switch (role) {
    case 'owner':
      return m.role_owner();
    case 'admin':
      return m.role_admin();
    case 'developer':
      return m.role_developer();
    case 'analyst':
      return m.role_analyst();
    case 'support':
      return m.role_support();
  }
}
