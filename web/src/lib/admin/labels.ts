import { m } from '$lib/paraglide/messages.js';

export type StaffRole = 'superadmin' | 'operator' | 'support' | 'viewer';

export const STAFF_ROLES: readonly StaffRole[] = ['superadmin', 'operator', 'support', 'viewer'];

/** A staff role in the page's language. */
export function staffRoleLabel(role: StaffRole): string {
  switch (role) {
    case 'superadmin':
      return m.admin_role_superadmin();
    case 'operator':
      return m.admin_role_operator();
    case 'support':
      return m.admin_role_support();
    case 'viewer':
      return m.admin_role_viewer();
  }
}
