import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

/** A number typed in the form, or undefined when left empty (NaN reaches the API, which names the field). */
function numberOf(form: FormData, name: string): number | undefined {
  const value = field(form, name);
  return value === '' ? undefined : Number(value);
}

/** Coupons and tax rates, archived ones included (new checkout sessions cannot use those). */
export const load: PageServerLoad = async ({ locals }) => {
  const api = locals.console!.api;
  const [coupons, taxRates] = await Promise.all([
    api.GET('/v1/coupons', { params: { query: { limit: 100 } } }),
    api.GET('/v1/tax_rates', { params: { query: { limit: 100 } } }),
  ]);
  return {
    coupons: coupons.data?.data ?? [],
    couponsError: loadErrorOf(coupons),
    taxRates: taxRates.data?.data ?? [],
    taxRatesError: loadErrorOf(taxRates),
  };
};

export const actions: Actions = {
  coupon: async ({ locals, request }) => {
    const form = await request.formData();
    const off = numberOf(form, 'off');
    const amountOff = field(form, 'kind') === 'amount';
    const maxRedemptions = numberOf(form, 'max_redemptions');
    const expires = field(form, 'expires_at');
    const answer = await locals.console!.api.POST('/v1/coupons', {
      body: {
        code: field(form, 'code'),
        ...(amountOff
          ? { amount_off: off === undefined ? off : Math.round(off * 100), currency: 'CNY' as const }
          : { percent_off: off }),
        ...(maxRedemptions !== undefined ? { max_redemptions: maxRedemptions } : {}),
        // A date picked in the console is the end of that day in China.
        ...(expires ? { expires_at: new Date(`${expires}T23:59:59+08:00`).toISOString() } : {}),
      },
    });
    if (!answer.data) return refused('coupon', answer.response.status, answer.error);
    return { action: 'coupon', created: answer.data.code };
  },
  taxRate: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.POST('/v1/tax_rates', {
      body: {
        display_name: field(form, 'display_name'),
        percentage: numberOf(form, 'percentage') ?? Number.NaN,
        inclusive: form.get('inclusive') === 'on',
      },
    });
    if (!answer.data) return refused('taxRate', answer.response.status, answer.error);
    return { action: 'taxRate', created: answer.data.display_name };
  },
  archiveCoupon: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.POST('/v1/coupons/{code}', {
      params: { path: { code: field(form, 'code') } },
      body: { active: field(form, 'active') === 'true' },
    });
    if (!answer.data) return refused('archiveCoupon', answer.response.status, answer.error);
    return { action: 'archiveCoupon' };
  },
  archiveTaxRate: async ({ locals, request }) => {
    const form = await request.formData();
    const answer = await locals.console!.api.POST('/v1/tax_rates/{id}', {
      params: { path: { id: field(form, 'id') } },
      body: { active: field(form, 'active') === 'true' },
    });
    if (!answer.data) return refused('archiveTaxRate', answer.response.status, answer.error);
    return { action: 'archiveTaxRate' };
  },
};
