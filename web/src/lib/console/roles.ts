/**
 * What the console shows each role: the API decides (api/roles.ts), the console only hides what the
 * API would refuse. Kept in step with api/roles.ts's grants.
 */
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
