import { error, fail } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import { refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** An end user (erased or not) with their latest 20 payments, from one request. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/customers/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { customer: answer.data };
};

export const actions: Actions = {
  /** Erases the end user's personal data on their request (`assist`): the merchant API's erase, on their merchant. */
  erase: async ({ locals, params, request }) => {
    const form = await request.formData();
    if (form.get('confirm') !== 'yes')
      return fail(400, { action: 'erase', message: null, code: null, param: 'confirm' });
    const answer = await locals.admin!.api.DELETE('/v1/admin/customers/{id}', { params: { path: { id: params.id } } });
    if (!answer.data) return refused('erase', answer.response.status, answer.error);
    return { action: 'erase', erased: true };
  },
};
