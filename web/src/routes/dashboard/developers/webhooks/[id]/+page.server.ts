import { error, redirect } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import { field, loadErrorOf, refused, seconds } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** An endpoint and its delivery log (newest first, every attempt), side by side. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const api = locals.console!.api;
  const path = { id: params.id };
  const [endpoint, deliveries] = await Promise.all([
    api.GET('/v1/webhook_endpoints/{id}', { params: { path } }),
    api.GET('/v1/webhook_endpoints/{id}/deliveries', { params: { path, query: { limit: 50 } } }),
  ]);
  if (!endpoint.data) error(endpoint.response.status, errorOf(endpoint.error)?.message ?? 'error');
  return {
    endpoint: endpoint.data,
    deliveries: deliveries.data?.data ?? [],
    hasMore: deliveries.data?.has_more ?? false,
    loadError: loadErrorOf(deliveries),
  };
};

export const actions: Actions = {
  status: async ({ locals, params, request }) => {
    const disabled = field(await request.formData(), 'disabled') === 'true';
    const answer = await locals.console!.api.POST('/v1/webhook_endpoints/{id}', {
      params: { path: { id: params.id } },
      body: { disabled },
    });
    if (!answer.data) return refused('status', answer.response.status, answer.error);
    return { action: 'status', status: answer.data.status };
  },
  roll: async ({ locals, params, request }) => {
    const answer = await locals.console!.api.POST('/v1/webhook_endpoints/{id}/roll_secret', {
      params: { path: { id: params.id } },
      body: { expires_in: seconds(await request.formData(), 'expires_in') },
    });
    if (!answer.data) return refused('roll', answer.response.status, answer.error);
    return { action: 'roll', secret: answer.data.secret };
  },
  resend: async ({ locals, params, request }) => {
    const event = field(await request.formData(), 'event');
    const answer = await locals.console!.api.POST('/v1/events/{id}/resend', {
      params: { path: { id: event } },
      body: { webhook_endpoint: params.id },
    });
    if (!answer.data) return refused('resend', answer.response.status, answer.error);
    return { action: 'resend', resent: event };
  },
  delete: async ({ locals, params }) => {
    const answer = await locals.console!.api.DELETE('/v1/webhook_endpoints/{id}', {
      params: { path: { id: params.id } },
    });
    if (!answer.data) return refused('delete', answer.response.status, answer.error);
    redirect(303, '/dashboard/developers/webhooks');
  },
};
