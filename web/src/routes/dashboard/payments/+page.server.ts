import { fail, redirect } from '@sveltejs/kit';
import { apiFilters, filterForm, filtered } from '$lib/console/payment-filters';
import { paging } from '$lib/console/paging';
import { errorOf } from '$lib/server/console-api';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** The payments list: the form's filters, one list request, a page at a time. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = filterForm(url.searchParams);
  const { filters, invalid } = apiFilters(form);
  const pages = paging(url);
  if (invalid) {
    return { form, filtered: true, payments: [], previous: null, next: null, invalid, loadError: null };
  }
  const answer = await locals.console!.api.GET('/v1/payments', {
    params: { query: { ...filters, limit: PAGE_SIZE, starting_after: pages.startingAfter } },
  });
  const list = answer.data;
  const error = errorOf(answer.error);
  return {
    form,
    filtered: filtered(form),
    payments: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    invalid: (error?.param ?? null) as string | null,
    loadError: list ? null : (error?.message ?? 'error'),
  };
};

export const actions: Actions = {
  /** Starts a CSV export of what the list shows, and sends the person to its page. */
  export: async ({ locals, request }) => {
    const { filters, invalid } = apiFilters(filterForm(await request.formData()));
    if (invalid) return fail(400, { action: 'export', message: null, param: invalid });
    const answer = await locals.console!.api.POST('/v1/payment_exports', { body: filters });
    if (!answer.data) {
      const body = errorOf(answer.error);
      return fail(answer.response.status, {
        action: 'export',
        message: body?.message ?? 'error',
        param: body?.param ?? null,
      });
    }
    redirect(303, `/dashboard/payments/exports/${answer.data.id}`);
  },
};
