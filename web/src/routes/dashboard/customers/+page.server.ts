import { paging } from '$lib/console/paging';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** The customers list, searched by e-mail or phone as the API allows (exact). */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = {
    email: (url.searchParams.get('email') ?? '').trim(),
    phone: (url.searchParams.get('phone') ?? '').trim(),
  };
  const pages = paging(url);
  const answer = await locals.console!.api.GET('/v1/customers', {
    params: {
      query: {
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
        email: form.email || undefined,
        phone: form.phone || undefined,
      },
    },
  });
  const list = answer.data;
  const error = errorOf(answer.error);
  return {
    form,
    filtered: form.email !== '' || form.phone !== '',
    customers: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    invalid: error?.param ?? null,
    loadError: list ? null : (error?.message ?? 'error'),
  };
};
