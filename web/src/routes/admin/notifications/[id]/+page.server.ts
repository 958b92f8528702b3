import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** One provider notification: its verification outcome and the body as posted. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/provider_notifications/{id}', {
    params: { path: { id: params.id } },
  });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { notification: answer.data };
};
