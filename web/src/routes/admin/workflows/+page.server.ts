import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

/** Activities failing for over an hour (the overview counter's queue), most retried first as the API lists them. */
export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/stuck', {
    params: { query: { failing_for: 3600, limit: 100 } },
  });
  return { stuck: answer.data?.data ?? [], hasMore: answer.data?.has_more ?? false, loadError: loadErrorOf(answer) };
};
