import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

const PAGE = 25;
const STATUSES = ['open', 'complete', 'expired'] as const;
type Status = (typeof STATUSES)[number];
const isStatus = (value: string | null): value is Status => (STATUSES as readonly string[]).includes(value ?? '');

/** Checkout sessions newest first, of one status if chosen, paged by the last one shown. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const status = url.searchParams.get('status');
  const after = url.searchParams.get('starting_after');
  const answer = await locals.console!.api.GET('/v1/checkout/sessions', {
    params: {
      query: { limit: PAGE, ...(isStatus(status) ? { status } : {}), ...(after ? { starting_after: after } : {}) },
    },
  });
  return {
    sessions: answer.data?.data ?? [],
    hasMore: answer.data?.has_more ?? false,
    status: isStatus(status) ? status : '',
    statuses: STATUSES,
    paged: Boolean(after),
    loadError: loadErrorOf(answer),
  };
};
