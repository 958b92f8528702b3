/**
 * Who is signed in to the admin console, for every /admin request (page or form action): the API
 * answers the staff member, their role and permissions in one call. Without a session, or with one
 * that still needs its second factor, the person is sent to sign in; a staff member without a
 * second factor yet is sent to set one up (every admin route refuses them until they have).
 */
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { components } from '$api-types';
import { consoleApi, errorOf, type ConsoleApi } from './console-api';
import { SESSION_COOKIE } from './kratos';

export type StaffSession = components['schemas']['StaffSession'];
export type StaffPermission = StaffSession['permissions'][number];

export interface AdminLocals {
  session: StaffSession;
  api: ConsoleApi;
}

/** The account security page where a second factor is set up; it links back to the admin console. */
export const SECOND_FACTOR_SETUP = '/auth/settings?return_to=%2Fadmin&reason=admin_second_factor';

function signInAgain(event: RequestEvent, params: Record<string, string> = {}): never {
  const query = new URLSearchParams({ ...params, return_to: event.url.pathname + event.url.search });
  redirect(303, `/auth/login?${query}`);
}

export async function adminLocals(event: RequestEvent): Promise<AdminLocals> {
  const token = event.cookies.get(SESSION_COOKIE);
  if (!token) signInAgain(event);
  const api = consoleApi({ session: token, merchant: null, mode: 'test', clientIp: event.getClientAddress() });
  const answer = await api.GET('/v1/staff/session');
  if (answer.response.status === 401) {
    const code = errorOf(answer.error)?.code;
    signInAgain(event, code === 'session_aal2_required' ? { aal: 'aal2' } : {});
  }
  if (answer.response.status === 403) {
    const refusal = errorOf(answer.error);
    // A merchant user's sign-in: their console is elsewhere.
    if (refusal?.code === 'admin_forbidden') redirect(303, '/dashboard');
    error(403, refusal?.message ?? 'Forbidden');
  }
  if (!answer.data) throw new Error(`GET /v1/staff/session answered ${answer.response.status}`);
  if (answer.data.second_factor_required) redirect(303, SECOND_FACTOR_SETUP);
  return { session: answer.data, api };
}

/** Whether the signed-in staff member's role allows `permission` (the API decides; pages only hide what it would refuse). */
export function allows(session: StaffSession, permission: StaffPermission): boolean {
  return session.permissions.includes(permission);
}
