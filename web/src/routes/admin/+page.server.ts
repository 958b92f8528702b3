import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

/** The counters that link to their queues: what is stuck and needs a person. */
export const load: PageServerLoad = async ({ locals }) => {
  const api = locals.admin!.api;
  const [refunds, workflows] = await Promise.all([
    api.GET('/v1/admin/refunds', { params: { query: { status: 'requires_attention', limit: 100 } } }),
    // Retried more than a few times: an activity failing for about an hour under its retry policy.
    api.GET('/v1/admin/stuck', { params: { query: { limit: 100, min_attempt: 10 } } }),
  ]);
  return {
    stuckRefunds: refunds.data ? { count: refunds.data.data.length, more: refunds.data.has_more } : null,
    stuckWorkflows: workflows.data ? { count: workflows.data.data.length, more: workflows.data.has_more } : null,
    loadError: loadErrorOf(refunds) ?? loadErrorOf(workflows),
  };
};
