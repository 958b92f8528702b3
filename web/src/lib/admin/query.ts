/**
 * The admin lists' filter forms (GET forms: the address is the filter, so a link to a queue is a
 * link to its filtered list) and what the API takes from them: China days become ISO ranges, as the
 * merchant console's payment filters do.
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The form's fields as typed, trimmed ('' when absent), to show back in the form. */
export function formOf<F extends string>(params: URLSearchParams, fields: readonly F[]): Record<F, string> {
  const form = {} as Record<F, string>;
  for (const field of fields) form[field] = (params.get(field) ?? '').trim();
  return form;
}

/** Whether any of the form's fields is set (an empty list then means "none match"). */
export const anySet = (form: Record<string, string>): boolean => Object.values(form).some((value) => value !== '');

/** The form's value, or undefined when empty (openapi-fetch leaves undefined parameters out). */
export const given = (value: string): string | undefined => value || undefined;

/** The first day from/to pair as an API range (`<name>[gte]`, `<name>[lte]`), or the field that is no day. */
export function dayRange<N extends string>(
  name: N,
  from: string,
  to: string,
): { range: Partial<Record<`${N}[gte]` | `${N}[lte]`, string>>; invalid: 'from' | 'to' | null } {
  const range: Partial<Record<`${N}[gte]` | `${N}[lte]`, string>> = {};
  if (from) {
    if (!DAY.test(from)) return { range, invalid: 'from' };
    range[`${name}[gte]`] = `${from}T00:00:00+08:00`;
  }
  if (to) {
    if (!DAY.test(to)) return { range, invalid: 'to' };
    range[`${name}[lte]`] = `${to}T23:59:59+08:00`;
  }
  return { range, invalid: null };
}

/** The China day of an instant (for a counter's `since` put into a list's `from`). */
export function chinaDay(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(iso));
}
