import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

const PERIODS = ['1', '7', '30'] as const;
type Period = (typeof PERIODS)[number];

/** The overview: the mode's figures over the last 1, 7 or 30 days, from one report request. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const asked = url.searchParams.get('days');
  const days: Period = PERIODS.includes(asked as Period) ? (asked as Period) : '7';
  const answer = await locals.console!.api.GET('/v1/reports/overview', { params: { query: { days } } });
  return {
    days,
    report: answer.data ?? null,
    loadError: answer.data ? null : (errorOf(answer.error)?.message ?? 'error'),
  };
};
