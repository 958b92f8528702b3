/**
 * One admin list page's answer for its page: the rows, the cursor links before and after, and the
 * API's refusal (the field it names, shown next to its filter, or its message in place of the list).
 */
import type { Paging } from '$lib/console/paging';
import { errorOf } from './console-api';

export interface ListPage<T> {
  rows: T[];
  previous: string | null;
  next: string | null;
  invalid: string | null;
  loadError: string | null;
}

export function listPage<T extends { id: string }>(
  answer: { data?: { data: T[]; has_more: boolean }; error?: unknown },
  pages: Paging,
): ListPage<T> {
  const list = answer.data;
  const error = errorOf(answer.error);
  return {
    rows: list?.data ?? [],
    previous: pages.previous,
    next: list ? pages.next(list.data.at(-1)?.id, list.has_more) : null,
    invalid: list ? null : (error?.param ?? null),
    loadError: list ? null : (error?.message ?? 'error'),
  };
}

/** A list not asked for because a filter of the form is no value (the page names the field). */
export const refusedFilter = <T>(field: string): ListPage<T> => ({
  rows: [],
  previous: null,
  next: null,
  invalid: field,
  loadError: null,
});
