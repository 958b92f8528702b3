import { anySet, formOf, given } from '$lib/admin/query';
import type { LiveModeStatus, MerchantStatus } from '$lib/admin/labels';
import { paging } from '$lib/console/paging';
import { listPage } from '$lib/server/admin-lists';
import { field, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * Merchants, newest first: by id or part of a name or e-mail address, standing and live mode. A
 * filter value the API does not know goes to it as typed, so its refusal names the field.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, ['q', 'status', 'live_mode'] as const);
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/merchants', {
    params: {
      query: {
        q: given(form.q),
        status: given(form.status) as MerchantStatus | undefined,
        live_mode: given(form.live_mode) as LiveModeStatus | undefined,
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
      },
    },
  });
  return { form, filtered: anySet(form), ...listPage(answer, pages) };
};

export const actions: Actions = {
  /** A merchant vouched for by the platform (live mode open); its first test key is answered this once. */
  create: async ({ locals, request }) => {
    const form = await request.formData();
    const email = field(form, 'email');
    const answer = await locals.admin!.api.POST('/v1/admin/merchants', {
      body: { name: field(form, 'name'), ...(email ? { email } : {}) },
    });
    if (!answer.data) return refused('create', answer.response.status, answer.error);
    return { action: 'create', merchant: answer.data.merchant, secret: answer.data.test_secret_key };
  },
};
