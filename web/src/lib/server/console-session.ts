/**
 * Who is signed in to the merchant console, for every /dashboard request (page or form action):
 * the API answers the person and their memberships in one call, with the session this browser
 * holds; without one, or with one that has ended or still needs its second factor, the person is
 * sent to sign in.
 */
import { redirect, type RequestEvent } from '@sveltejs/kit';
import type { components } from '$api-types';
import { consoleApi, errorOf, type ConsoleApi } from './console-api';
import { SESSION_COOKIE } from './kratos';

export type ConsoleSession = components['schemas']['ConsoleSession'];
export type Membership = components['schemas']['Membership'];

export const MERCHANT_COOKIE = 'tongbao_merchant';
export const MODE_COOKIE = 'tongbao_mode';
/** The onboarding page: the one console page open to a person without a merchant. */
export const WELCOME_PATH = '/dashboard/welcome';

export interface ConsoleLocals {
  session: ConsoleSession;
  /** The merchant the console shows (null only on the welcome page). */
  membership: Membership | null;
  mode: 'test' | 'live';
  api: ConsoleApi;
}

function signInAgain(event: RequestEvent, params: Record<string, string> = {}): never {
  const query = new URLSearchParams({ ...params, return_to: event.url.pathname + event.url.search });
  redirect(303, `/auth/login?${query}`);
}

export async function consoleLocals(event: RequestEvent): Promise<ConsoleLocals> {
  const token = event.cookies.get(SESSION_COOKIE);
  if (!token) signInAgain(event);
  const clientIp = event.getClientAddress();
  const personal = consoleApi({ session: token, merchant: null, mode: 'test', clientIp });
  const answer = await personal.GET('/v1/console/session');
  if (answer.response.status === 401) {
    const code = errorOf(answer.error)?.code;
    signInAgain(event, code === 'session_aal2_required' ? { aal: 'aal2' } : {});
  }
  // A platform staff member's sign-in: their console is the admin console.
  if (answer.response.status === 403 && errorOf(answer.error)?.code === 'console_forbidden') redirect(303, '/admin');
  if (!answer.data) throw new Error(`GET /v1/console/session answered ${answer.response.status}`);
  const session = answer.data;
  const chosen = event.cookies.get(MERCHANT_COOKIE);
  const membership =
    session.memberships.find((candidate) => candidate.merchant.id === chosen) ?? session.memberships[0] ?? null;
  if (!membership && event.url.pathname !== WELCOME_PATH) redirect(303, WELCOME_PATH);
  // Live mode only where it is open; the switch remembers the choice per browser.
  const mode =
    event.cookies.get(MODE_COOKIE) === 'live' && membership?.merchant.live_mode === 'approved' ? 'live' : 'test';
  const api = consoleApi({ session: token, merchant: membership?.merchant.id ?? null, mode, clientIp });
  return { session, membership, mode, api };
}
