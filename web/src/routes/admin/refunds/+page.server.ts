import { anySet, dayRange, formOf, given } from '$lib/admin/query';
import { REFUND_STATUSES, type RefundStatus } from '$lib/console/names';
import { paging } from '$lib/console/paging';
import { listPage, refusedFilter } from '$lib/server/admin-lists';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const FIELDS = ['q', 'status', 'merchant', 'from', 'to'] as const;

/** Refunds across merchants: an exact id search (refund, out_refund_no or payment), status, merchant, created days. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, FIELDS);
  const { range, invalid } = dayRange('created', form.from, form.to);
  if (invalid) return { form, filtered: true, ...refusedFilter<never>(invalid) };
  const pages = paging(url);
  const status = (REFUND_STATUSES as readonly string[]).includes(form.status)
    ? (form.status as RefundStatus)
    : undefined;
  const answer = await locals.admin!.api.GET('/v1/admin/refunds', {
    params: {
      query: {
        q: given(form.q),
        status,
        merchant: given(form.merchant),
        ...range,
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
      },
    },
  });
  return { form, filtered: anySet(form), ...listPage(answer, pages) };
};
