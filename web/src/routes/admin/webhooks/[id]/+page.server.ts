import { paging } from '$lib/console/paging';
import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** A merchant's webhook endpoint's delivery log, newest first with every attempt, as an admin sees it. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/webhook_endpoints/{id}/deliveries', {
    params: { path: { id: params.id }, query: { limit: 25, starting_after: pages.startingAfter } },
  });
  const deliveries = answer.data?.data ?? [];
  return {
    endpoint: params.id,
    deliveries,
    // A delivery is paged by its event: an endpoint has one delivery of each.
    previous: pages.previous,
    next: pages.next(deliveries.at(-1)?.event, answer.data?.has_more ?? false),
    loadError: loadErrorOf(answer),
  };
};

export const actions: Actions = {
  // The merchant's server is back and it asks for what it missed: that event, to this endpoint, now.
  resend: async ({ locals, params, request }) => {
    const event = field(await request.formData(), 'event');
    const answer = await locals.admin!.api.POST('/v1/admin/events/{id}/resend', {
      params: { path: { id: event } },
      body: { webhook_endpoint: params.id },
    });
    if (!answer.data) return refused('resend', answer.response.status, answer.error);
    return { action: 'resend', resent: event };
  },
};
