import { can, type Role } from '$lib/console/roles';
import { field, loadErrorOf, refused, seconds } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** The merchant's secret keys of the mode shown: listed only to those who may manage them. */
export const load: PageServerLoad = async ({ locals }) => {
  const console = locals.console!;
  if (!can(console.membership?.role as Role, 'develop')) return { keys: [], loadError: null, allowed: false };
  const answer = await console.api.GET('/v1/api_keys', { params: { query: { limit: 100 } } });
  return { keys: answer.data?.data ?? [], loadError: loadErrorOf(answer), allowed: true };
};

export const actions: Actions = {
  create: async ({ locals, request }) => {
    const name = field(await request.formData(), 'name');
    const answer = await locals.console!.api.POST('/v1/api_keys', { body: name ? { name } : {} });
    if (!answer.data) return refused('create', answer.response.status, answer.error);
    return { action: 'create', key: answer.data };
  },
  roll: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.POST('/v1/api_keys/{id}/roll', {
      params: { path: { id: field(form, 'id') } },
      body: { expires_in: seconds(form, 'expires_in') },
    });
    if (!answer.data) return refused('roll', answer.response.status, answer.error);
    return { action: 'roll', key: answer.data, rolled: field(form, 'id') };
  },
  revoke: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.POST('/v1/api_keys/{id}/revoke', {
      params: { path: { id: field(form, 'id') } },
    });
    if (!answer.data) return refused('revoke', answer.response.status, answer.error);
    return { action: 'revoke', revoked: answer.data.redacted };
  },
};
