import { apiFilters, filterForm, filtered } from '$lib/console/payment-filters';
import { paging } from '$lib/console/paging';
import { listPage, refusedFilter } from '$lib/server/admin-lists';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** Payments across merchants: the merchant console's filters plus the merchant, a page at a time. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = filterForm(url.searchParams);
  const merchant = (url.searchParams.get('merchant') ?? '').trim();
  const { filters, invalid } = apiFilters(form);
  const isFiltered = filtered(form) || merchant !== '';
  if (invalid) return { form, merchant, filtered: isFiltered, ...refusedFilter<never>(invalid) };
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/payments', {
    params: {
      query: { ...filters, merchant: merchant || undefined, limit: PAGE_SIZE, starting_after: pages.startingAfter },
    },
  });
  return { form, merchant, filtered: isFiltered, ...listPage(answer, pages) };
};
