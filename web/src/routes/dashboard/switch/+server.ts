import { redirect } from '@sveltejs/kit';
import { MERCHANT_COOKIE, MODE_COOKIE } from '$lib/server/console-session';
import type { RequestHandler } from './$types';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The merchant switcher's and the test/live switch's form: remembered per browser, checked on every request. */
export const POST: RequestHandler = async ({ request, cookies, locals, url }) => {
  const form = await request.formData();
  const console = locals.console!;
  const options = {
    path: '/',
    maxAge: ONE_YEAR_SECONDS,
    sameSite: 'lax',
    httpOnly: true,
    secure: url.protocol === 'https:',
  } as const;
  const merchant = form.get('merchant');
  if (typeof merchant === 'string' && console.session.memberships.some((m) => m.merchant.id === merchant))
    cookies.set(MERCHANT_COOKIE, merchant, options);
  const mode = form.get('mode');
  if (mode === 'test' || mode === 'live') cookies.set(MODE_COOKIE, mode, options);
  const back = form.get('back');
  redirect(303, typeof back === 'string' && back.startsWith('/dashboard') ? back : '/dashboard');
};
