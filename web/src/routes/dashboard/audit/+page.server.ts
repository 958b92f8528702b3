import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** The audit log, newest first, a page at a time (`?after=` the last entry's id); filters as the API has them. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const filters = {
    actor: url.searchParams.get('actor') || undefined,
    object: url.searchParams.get('object') || undefined,
    action: url.searchParams.get('action') || undefined,
  };
  const answer = await locals.console!.api.GET('/v1/audit_log', {
    params: { query: { limit: 50, starting_after: url.searchParams.get('after') || undefined, ...filters } },
  });
  return {
    filters,
    entries: answer.data?.data ?? [],
    hasMore: answer.data?.has_more ?? false,
    loadError: answer.data ? null : (errorOf(answer.error)?.message ?? 'error'),
  };
};
