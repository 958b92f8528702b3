import { anySet, dayRange, formOf, given } from '$lib/admin/query';
import { NOTIFICATION_OUTCOMES, type NotificationOutcome } from '$lib/console/names';
import { PROVIDERS, type Provider } from '$lib/console/payment-filters';
import { paging } from '$lib/console/paging';
import { listPage, refusedFilter } from '$lib/server/admin-lists';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;
const FIELDS = ['provider', 'outcome', 'merchant', 'payment', 'from', 'to'] as const;

/** The provider notifications log, newest first: refused, unknown and late ones with why. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, FIELDS);
  const { range, invalid } = dayRange('received', form.from, form.to);
  if (invalid) return { form, filtered: true, ...refusedFilter<never>(invalid) };
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/provider_notifications', {
    params: {
      query: {
        provider: (PROVIDERS as readonly string[]).includes(form.provider) ? (form.provider as Provider) : undefined,
        outcome: (NOTIFICATION_OUTCOMES as readonly string[]).includes(form.outcome)
          ? (form.outcome as NotificationOutcome)
          : undefined,
        merchant: given(form.merchant),
        payment: given(form.payment),
        ...range,
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
      },
    },
  });
  return { form, filtered: anySet(form), ...listPage(answer, pages) };
};
