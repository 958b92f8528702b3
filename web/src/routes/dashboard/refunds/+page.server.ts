import { paging } from '$lib/console/paging';
import { REFUND_STATUSES, type RefundStatus } from '$lib/console/names';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The refunds list with the filters the API has: status, payment, created range (China days). */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = {
    status: url.searchParams.get('status') ?? '',
    payment: (url.searchParams.get('payment') ?? '').trim(),
    from: url.searchParams.get('from') ?? '',
    to: url.searchParams.get('to') ?? '',
  };
  const pages = paging(url);
  const status = (REFUND_STATUSES as readonly string[]).includes(form.status)
    ? (form.status as RefundStatus)
    : undefined;
  const answer = await locals.console!.api.GET('/v1/refunds', {
    params: {
      query: {
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
        status,
        payment: form.payment || undefined,
        'created[gte]': DAY.test(form.from) ? `${form.from}T00:00:00+08:00` : undefined,
        'created[lte]': DAY.test(form.to) ? `${form.to}T23:59:59+08:00` : undefined,
      },
    },
  });
  const list = answer.data;
  const error = errorOf(answer.error);
  return {
    form,
    filtered: Object.values(form).some((value) => value !== ''),
    refunds: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    invalid: error?.param ?? null,
    loadError: list ? null : (error?.message ?? 'error'),
  };
};
