import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import type { StaffRole } from '$lib/admin/labels';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/staff');
  return { staff: answer.data?.data ?? [], loadError: loadErrorOf(answer) };
};

/** A role from the form; anything else goes to the API as it is, which names the field. */
const roleOf = (form: FormData) => field(form, 'role') as StaffRole;
const idOf = (form: FormData) => ({ path: { id: field(form, 'id') } });

export const actions: Actions = {
  invite: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/staff', {
      body: {
        email: field(form, 'email'),
        role: roleOf(form),
        locale: field(form, 'locale') === 'en-US' ? 'en-US' : 'zh-CN',
      },
    });
    if (!answer.data) return refused('invite', answer.response.status, answer.error);
    return { action: 'invite', email: answer.data.email };
  },
  role: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/staff/{id}', {
      params: idOf(form),
      body: { role: roleOf(form) },
    });
    if (!answer.data) return refused('role', answer.response.status, answer.error);
    return { action: 'role', email: answer.data.email };
  },
  lock: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/staff/{id}/lock', {
      params: idOf(form),
      body: { reason: field(form, 'reason') },
    });
    if (!answer.data) return refused('lock', answer.response.status, answer.error);
    return { action: 'lock', email: answer.data.email };
  },
  unlock: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/staff/{id}/unlock', { params: idOf(form), body: {} });
    if (!answer.data) return refused('unlock', answer.response.status, answer.error);
    return { action: 'unlock', email: answer.data.email };
  },
  reset: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/staff/{id}/reset_second_factor', {
      params: idOf(form),
      body: {},
    });
    if (!answer.data) return refused('reset', answer.response.status, answer.error);
    return { action: 'reset', email: answer.data.email };
  },
};
