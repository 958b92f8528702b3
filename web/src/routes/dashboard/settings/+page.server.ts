import { loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** The business's own settings (its account); the person's own sign-in lives at /auth/settings. */
export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.console!.api.GET('/v1/account');
  return {
    account: answer.data ?? null,
    loadError: loadErrorOf(answer),
    aal: locals.console!.session.identity.aal,
  };
};

export const actions: Actions = {
  /** Only an owner may; the API refuses anyone else (owner_required) and says so. */
  mfa: async ({ locals, request }) => {
    const on = (await request.formData()).get('require_mfa') === 'true';
    const answer = await locals.console!.api.POST('/v1/account', { body: { require_mfa: on } });
    if (!answer.data) return refused('mfa', answer.response.status, answer.error);
    return { action: 'mfa', requireMfa: answer.data.require_mfa };
  },
};
