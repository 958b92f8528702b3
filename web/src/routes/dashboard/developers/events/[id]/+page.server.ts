import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import { loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** One event: its payload as sent, and its deliveries to every endpoint with their attempts. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const api = locals.console!.api;
  const path = { id: params.id };
  const [event, deliveries] = await Promise.all([
    api.GET('/v1/events/{id}', { params: { path } }),
    api.GET('/v1/events/{id}/deliveries', { params: { path } }),
  ]);
  if (!event.data) error(event.response.status, errorOf(event.error)?.message ?? 'error');
  return {
    event: event.data,
    payload: JSON.stringify(event.data, null, 2),
    deliveries: deliveries.data?.data ?? [],
    loadError: loadErrorOf(deliveries),
  };
};

export const actions: Actions = {
  /** Sends the event again: to one endpoint when named, else to every endpoint that takes it. */
  resend: async ({ locals, params, request }) => {
    const endpoint = String((await request.formData()).get('webhook_endpoint') ?? '');
    const answer = await locals.console!.api.POST('/v1/events/{id}/resend', {
      params: { path: { id: params.id } },
      body: endpoint ? { webhook_endpoint: endpoint } : {},
    });
    if (!answer.data) return refused('resend', answer.response.status, answer.error);
    return { action: 'resend', count: answer.data.data.length };
  },
};
