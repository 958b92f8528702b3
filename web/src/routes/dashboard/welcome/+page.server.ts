import { fail, redirect } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import { MERCHANT_COOKIE } from '$lib/server/console-session';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  return { hasMerchant: locals.console!.session.memberships.length > 0 };
};

export const actions: Actions = {
  /** A new merchant (test mode) with the person as its owner: the end of signing up. */
  default: async ({ locals, request, cookies, url }) => {
    const name = String((await request.formData()).get('name') ?? '');
    const answer = await locals.console!.api.POST('/v1/console/merchants', { body: { name } });
    if (!answer.data) {
      const error = errorOf(answer.error);
      return fail(answer.response.status, { name, message: error?.message ?? 'error', param: error?.param ?? null });
    }
    cookies.set(MERCHANT_COOKIE, answer.data.merchant.id, {
      path: '/',
      sameSite: 'lax',
      httpOnly: true,
      secure: url.protocol === 'https:',
      maxAge: 365 * 24 * 3600,
    });
    redirect(303, '/dashboard');
  },
};
