import { fail } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.console!.api.GET('/v1/team/members');
  return {
    members: answer.data?.data ?? [],
    loadError: answer.data ? null : (errorOf(answer.error)?.message ?? 'error'),
  };
};

type Role = 'owner' | 'admin' | 'developer' | 'analyst' | 'support';
const amountOf = (value: FormDataEntryValue | null) =>
  typeof value === 'string' && value.trim() !== '' ? Math.round(Number(value) * 100) : undefined;

/** A refused action's answer, for the page to show next to its form. */
function refused(action: string, status: number, error: unknown) {
  const body = errorOf(error);
  return fail(status, { action, message: body?.message ?? 'error', param: body?.param ?? null });
}

export const actions: Actions = {
  invite: async ({ locals, request }) => {
    const form = await request.formData();
    const role = String(form.get('role')) as Role;
    const answer = await locals.console!.api.POST('/v1/team/members', {
      body: {
        email: String(form.get('email') ?? ''),
        role,
        ...(role === 'support' ? { refund_limit: amountOf(form.get('refund_limit')) ?? 0 } : {}),
        locale: form.get('locale') === 'en-US' ? 'en-US' : 'zh-CN',
      },
    });
    if (!answer.data) return refused('invite', answer.response.status, answer.error);
    return { action: 'invite', invited: answer.data.email };
  },
  update: async ({ locals, request }) => {
    const form = await request.formData();
    const role = String(form.get('role')) as Role;
    const limit = amountOf(form.get('refund_limit'));
    const answer = await locals.console!.api.POST('/v1/team/members/{id}', {
      params: { path: { id: String(form.get('id')) } },
      body: { role, ...(role === 'support' && limit !== undefined ? { refund_limit: limit } : {}) },
    });
    if (!answer.data) return refused('update', answer.response.status, answer.error);
    return { action: 'update', updated: answer.data.email };
  },
  remove: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.DELETE('/v1/team/members/{id}', {
      params: { path: { id: String(form.get('id')) } },
    });
    if (!answer.data) return refused('remove', answer.response.status, answer.error);
    return { action: 'remove', removed: answer.data.email };
  },
};
