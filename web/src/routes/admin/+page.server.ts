import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

const PERIODS = ['1d', '7d', '30d'] as const;
type Period = (typeof PERIODS)[number];

/** The platform's volume by provider and channel over the period, and the counters that link to their queues. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const asked = url.searchParams.get('period');
  const period: Period = (PERIODS as readonly string[]).includes(asked ?? '') ? (asked as Period) : '7d';
  const answer = await locals.admin!.api.GET('/v1/admin/overview', { params: { query: { period } } });
  return { period, overview: answer.data ?? null, loadError: loadErrorOf(answer) };
};
