import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** The overview: the latest payments of the mode shown (the charts come with the reports API). */
export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.console!.api.GET('/v1/payments', { params: { query: { limit: 10 } } });
  return {
    payments: answer.data?.data ?? [],
    loadError: answer.data ? null : (errorOf(answer.error)?.message ?? 'error'),
  };
};
