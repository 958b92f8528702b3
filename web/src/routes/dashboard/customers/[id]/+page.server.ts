import { error } from '@sveltejs/kit';
import { paging } from '$lib/console/paging';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** A customer's saved details and their payments (two requests, made together). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const api = locals.console!.api;
  const pages = paging(url);
  const [customer, payments] = await Promise.all([
    api.GET('/v1/customers/{id}', { params: { path: { id: params.id } } }),
    api.GET('/v1/payments', {
      params: { query: { customer: params.id, limit: PAGE_SIZE, starting_after: pages.startingAfter } },
    }),
  ]);
  if (!customer.data) error(customer.response.status, errorOf(customer.error)?.message ?? 'error');
  const list = payments.data;
  return {
    customer: customer.data,
    payments: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    loadError: list ? null : (errorOf(payments.error)?.message ?? 'error'),
  };
};
