import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import { EVENT_TYPES, type EventType } from '$lib/console/events';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.console!.api.GET('/v1/webhook_endpoints', { params: { query: { limit: 100 } } });
  return { endpoints: answer.data?.data ?? [], loadError: loadErrorOf(answer) };
};

export const actions: Actions = {
  create: async ({ locals, request }) => {
    const form = await request.formData();
    const chosen = form.getAll('enabled_events').map(String);
    const enabled_events: (EventType | '*')[] = chosen.includes('*')
      ? ['*']
      : EVENT_TYPES.filter((type) => chosen.includes(type));
    const description = field(form, 'description');
    const answer = await locals.console!.api.POST('/v1/webhook_endpoints', {
      body: { url: field(form, 'url'), enabled_events, ...(description ? { description } : {}) },
    });
    if (!answer.data) return refused('create', answer.response.status, answer.error);
    return { action: 'create', endpoint: answer.data };
  },
};
