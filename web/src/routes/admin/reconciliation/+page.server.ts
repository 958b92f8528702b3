import { fail } from '@sveltejs/kit';
import { anySet, formOf, given } from '$lib/admin/query';
import { paging } from '$lib/console/paging';
import { listPage } from '$lib/server/admin-lists';
import { errorOf } from '$lib/server/console-api';
import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 50;
const FIELDS = ['provider_account', 'date', 'status', 'kind', 'merchant'] as const;
const KINDS = ['missing_here', 'missing_there', 'amount_differs'] as const;
const STATUSES = ['open', 'resolved'] as const;

const oneOf = <T extends string>(values: readonly T[], value: string): T | undefined =>
  (values as readonly string[]).includes(value) ? (value as T) : undefined;

/** Runs per account and day, and what they found (the account and day filter both). */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, FIELDS);
  const pages = paging(url);
  const api = locals.admin!.api;
  const scope = { provider_account: given(form.provider_account), date: given(form.date) };
  const [runs, discrepancies] = await Promise.all([
    api.GET('/v1/admin/reconciliation_runs', { params: { query: { ...scope, limit: 30 } } }),
    api.GET('/v1/admin/reconciliation_discrepancies', {
      params: {
        query: {
          ...scope,
          status: oneOf(STATUSES, form.status),
          kind: oneOf(KINDS, form.kind),
          merchant: given(form.merchant),
          limit: PAGE_SIZE,
          starting_after: pages.startingAfter,
        },
      },
    }),
  ]);
  return {
    form,
    filtered: anySet(form),
    kinds: KINDS,
    runs: runs.data?.data ?? [],
    runsError: loadErrorOf(runs),
    ...listPage(discrepancies, pages),
  };
};

export const actions: Actions = {
  /** Reconciles one account's day again (now, not at the schedule's hour); `operate` only, as the API says. */
  rerun: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/reconciliation_runs', {
      body: { provider_account: field(form, 'provider_account'), date: field(form, 'date') },
    });
    if (!answer.data) return refused('rerun', answer.response.status, answer.error);
    return { action: 'rerun', run: answer.data };
  },
  /** Marks a discrepancy resolved with the note the API requires (kept with it and in the audit log). */
  resolve: async ({ locals, request }) => {
    const form = await request.formData();
    const id = field(form, 'id');
    const answer = await locals.admin!.api.POST('/v1/admin/reconciliation_discrepancies/{id}/resolve', {
      params: { path: { id } },
      body: { note: field(form, 'note') },
    });
    if (!answer.data) {
      const body = errorOf(answer.error);
      return fail(answer.response.status, {
        action: 'resolve',
        id,
        message: body?.message ?? 'error',
        param: body?.param ?? null,
      });
    }
    return { action: 'resolve', id, resolved: answer.data };
  },
};
