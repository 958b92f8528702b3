import { isEventType } from '$lib/console/events';
import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

const PAGE = 25;

/** Events newest first, of one type if chosen, paged by the last one shown. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const type = url.searchParams.get('type');
  const after = url.searchParams.get('starting_after');
  const answer = await locals.console!.api.GET('/v1/events', {
    params: {
      query: { limit: PAGE, ...(isEventType(type) ? { type } : {}), ...(after ? { starting_after: after } : {}) },
    },
  });
  return {
    events: answer.data?.data ?? [],
    hasMore: answer.data?.has_more ?? false,
    type: isEventType(type) ? type : '',
    paged: Boolean(after),
    loadError: loadErrorOf(answer),
  };
};
