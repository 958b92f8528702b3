import { error, fail } from '@sveltejs/kit';
import QRCode from 'qrcode';
import { yuanToFen } from '$lib/console/money';
import { errorOf } from '$lib/server/console-api';
import type { Actions, PageServerLoad } from './$types';

/** A payment's page: the payment, its refunds and its timeline, from one timeline request. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const answer = await locals.console!.api.GET('/v1/payments/{id}/timeline', { params: { path: { id: params.id } } });
  if (!answer.data) error(answer.response.status, errorOf(answer.error)?.message ?? 'error');
  const action = answer.data.payment.next_action;
  // The QR code drawn here, so the page needs no script to show it.
  const qrSvg =
    action?.type === 'display_qr_code'
      ? await QRCode.toString(action.display_qr_code.data, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      : null;
  return { timeline: answer.data, qrSvg };
};

function refused(action: string, status: number, body: unknown, values: Record<string, string> = {}) {
  const failure = errorOf(body);
  return fail(status, { action, message: failure?.message ?? 'error', param: failure?.param ?? null, values });
}

export const actions: Actions = {
  refund: async ({ locals, params, request }) => {
    const form = await request.formData();
    const values = { amount: String(form.get('amount') ?? ''), reason: String(form.get('reason') ?? '').trim() };
    if (form.get('confirm') !== 'yes') return fail(400, { action: 'refund', message: null, param: 'confirm', values });
    const amount = yuanToFen(values.amount);
    if (amount === null || amount === 0) return fail(400, { action: 'refund', message: null, param: 'amount', values });
    const answer = await locals.console!.api.POST('/v1/refunds', {
      body: { payment: params.id, amount, ...(values.reason ? { reason: values.reason } : {}) },
    });
    if (!answer.data) return refused('refund', answer.response.status, answer.error, values);
    return { action: 'refund', refunded: answer.data.id };
  },
  cancel: async ({ locals, params, request }) => {
    const form = await request.formData();
    if (form.get('confirm') !== 'yes')
      return fail(400, { action: 'cancel', message: null, param: 'confirm', values: {} });
    const answer = await locals.console!.api.POST('/v1/payments/{id}/cancel', { params: { path: { id: params.id } } });
    if (!answer.data) return refused('cancel', answer.response.status, answer.error);
    return { action: 'cancel', canceled: answer.data.id };
  },
};
