import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

/** Webhook endpoints whose every attempt of the last 24 hours failed: the overview counter's queue. */
export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.admin!.api.GET('/v1/admin/failing_webhook_endpoints');
  return { endpoints: answer.data?.data ?? [], loadError: loadErrorOf(answer) };
};
