import { anySet, formOf, given } from '$lib/admin/query';
import { paging } from '$lib/console/paging';
import { listPage } from '$lib/server/admin-lists';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** End users across merchants: an exact id, e-mail or phone, or a name's beginning; and whose. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, ['q', 'merchant'] as const);
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/customers', {
    params: {
      query: {
        q: given(form.q),
        merchant: given(form.merchant),
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
      },
    },
  });
  return { form, filtered: anySet(form), ...listPage(answer, pages) };
};
