import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import { field, refused } from '$lib/server/console-actions';
import type { AdminLocals } from '$lib/server/admin-session';
import type { Actions, PageServerLoad } from './$types';

/** The merchant, its members, its keys (never a secret) and its last 30 days, in one request. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/merchants/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { merchant: answer.data };
};

type Answer = { data?: unknown; error?: unknown; response: Response };

/**
 * One button of the page: the form's fields to one API request. Its answer is not carried back:
 * the page loads the merchant again (use:enhance's update), so every part shows the new state.
 */
function act(name: string, send: (api: AdminLocals['api'], id: string, form: FormData) => Promise<Answer>) {
  return async ({ locals, params, request }: { locals: App.Locals; params: { id: string }; request: Request }) => {
    const form = await request.formData();
    const answer = await send(locals.admin!.api, params.id, form);
    if (!answer.data) return refused(name, answer.response.status, answer.error);
    return { action: name, target: field(form, 'target') || params.id };
  };
}

/** An optional reason: left out when empty (the live-mode decisions take none). */
const reasonOf = (form: FormData) => (field(form, 'reason') ? { reason: field(form, 'reason') } : {});
const path = (id: string) => ({ params: { path: { id } } });
/** The member's Kratos identity, the key or the member a row's form is about. */
const target = (form: FormData) => field(form, 'target');

export const actions: Actions = {
  approve: act('approve', (api, id, form) =>
    api.POST('/v1/admin/merchants/{id}/live_mode/approve', { ...path(id), body: reasonOf(form) }),
  ),
  revoke_live: act('revoke_live', (api, id, form) =>
    api.POST('/v1/admin/merchants/{id}/live_mode/revoke', { ...path(id), body: reasonOf(form) }),
  ),
  suspend: act('suspend', (api, id, form) =>
    api.POST('/v1/admin/merchants/{id}/suspend', { ...path(id), body: { reason: field(form, 'reason') } }),
  ),
  reinstate: act('reinstate', (api, id) => api.POST('/v1/admin/merchants/{id}/reinstate', { ...path(id), body: {} })),
  lock: act('lock', (api, _id, form) =>
    api.POST('/v1/admin/merchant_users/{identity_id}/lock', {
      params: { path: { identity_id: target(form) } },
      body: { reason: field(form, 'reason') },
    }),
  ),
  unlock: act('unlock', (api, _id, form) =>
    api.POST('/v1/admin/merchant_users/{identity_id}/unlock', {
      params: { path: { identity_id: target(form) } },
      body: {},
    }),
  ),
  resend: act('resend', (api, id, form) =>
    api.POST('/v1/admin/merchants/{id}/members/{member_id}/resend_invitation', {
      params: { path: { id, member_id: target(form) } },
      body: {},
    }),
  ),
  revoke_key: act('revoke_key', (api, _id, form) => api.DELETE('/v1/admin/api_keys/{id}', path(target(form)))),
};
