import { messageFilterForm, messageFilters, messageFiltered } from '$lib/admin/message-filters';
import { paging } from '$lib/console/paging';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** The message log: the API's filters from the form, newest first, a page at a time. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = messageFilterForm(url.searchParams);
  const { filters, invalid } = messageFilters(form);
  const pages = paging(url);
  const filtered = messageFiltered(form);
  if (invalid) return { form, filtered, messages: [], previous: null, next: null, invalid, loadError: null };
  const answer = await locals.admin!.api.GET('/v1/admin/messages', {
    params: { query: { ...filters, limit: PAGE_SIZE, starting_after: pages.startingAfter } },
  });
  const list = answer.data;
  const error = errorOf(answer.error);
  return {
    form,
    filtered,
    messages: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    invalid: (error?.param ?? null) as string | null,
    // A filter the API refused is said next to its field, not as the page failing.
    invalidMessage: error?.param ? error.message : null,
    loadError: list || error?.param ? null : (error?.message ?? 'error'),
  };
};
