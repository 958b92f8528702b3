/**
 * What the console's pages share on the server: a load's error for the page to show in place of its
 * list, and a refused form action's answer (the API's message and the field it names).
 */
import { fail } from '@sveltejs/kit';
import { errorOf } from './console-api';

/** null when the answer has data; else the API's message, for the page's error state. */
export function loadErrorOf(answer: { data?: unknown; error?: unknown }): string | null {
  return answer.data ? null : (errorOf(answer.error)?.message ?? 'error');
}

/** A refused action's answer, for the page to show next to its form (a page may word a known code itself). */
export function refused(action: string, status: number, error: unknown) {
  const body = errorOf(error);
  return fail(status, {
    action,
    message: body?.message ?? 'error',
    code: body?.code ?? null,
    param: body?.param ?? null,
  });
}

/** A form field as text ('' when absent). */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** A whole number of seconds from a form field, or NaN (the API then names the field). */
export function seconds(form: FormData, name: string): number {
  const value = field(form, name);
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}
