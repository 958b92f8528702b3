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

export type MerchantStatus = 'active' | 'suspended';
export type LiveModeStatus = 'unavailable' | 'requested' | 'approved';

export const MERCHANT_STATUSES: readonly MerchantStatus[] = ['active', 'suspended'];
export const LIVE_MODE_STATUSES: readonly LiveModeStatus[] = ['unavailable', 'requested', 'approved'];

/** A merchant's standing in the page's language. */
export function merchantStatusLabel(status: MerchantStatus): string {
  switch (status) {
    case 'active':
      return m.admin_merchant_status_active();
    case 'suspended':
      return m.admin_merchant_status_suspended();
  }
}

/** Where a merchant's live mode stands, in the page's language. */
export function liveModeLabel(status: LiveModeStatus): string {
  switch (status) {
    case 'unavailable':
      return m.admin_live_mode_unavailable();
    case 'requested':
      return m.admin_live_mode_requested();
    case 'approved':
      return m.admin_live_mode_approved();
  }
}
