import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** Any merchant's payment: the payment, its refunds and its timeline, from one timeline request. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/payments/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { timeline: answer.data };
};
