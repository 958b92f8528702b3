import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** An export's status; the page offers its file once the workflow has written it. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.console!.api.GET('/v1/payment_exports/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  return { exported: answer.data };
};
