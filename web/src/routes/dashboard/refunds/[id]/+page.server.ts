import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.console!.api.GET('/v1/refunds/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { refund: answer.data };
};
