import { fail, redirect } from '@sveltejs/kit';
import { yuanToFen } from '$lib/console/money';
import { errorOf } from '$lib/server/console-api';
import type { Actions, PageServerLoad } from './$types';

/** The channels a test payment can be made with from a desktop browser (JSAPI needs WeChat's openid). */
const TEST_CHANNELS = [
  'alipay_qr',
  'alipay_pc',
  'alipay_wap',
  'wechat_native',
  'wechat_h5',
  'unionpay_pc',
  'unionpay_wap',
] as const;
type TestChannel = (typeof TEST_CHANNELS)[number];

/** A fresh order number to start from (the person may type their own). */
export const load: PageServerLoad = async () => ({ orderNo: `test-${Date.now().toString(36)}` });

export const actions: Actions = {
  /** Creates a test-mode payment and sends the person to its page, where they can pay it in the sandbox. */
  default: async ({ locals, request, getClientAddress }) => {
    const form = await request.formData();
    const values = {
      amount: String(form.get('amount') ?? ''),
      channel: String(form.get('channel') ?? ''),
      merchant_order_no: String(form.get('merchant_order_no') ?? '').trim(),
      description: String(form.get('description') ?? '').trim(),
    };
    const refuse = (status: number, message: string | null, param: string | null) =>
      fail(status, { values, message, param });
    // Live payments are never made here: this helper is for trying the sandbox.
    if (locals.console!.mode !== 'test') return refuse(400, null, 'mode');
    const amount = yuanToFen(values.amount);
    if (amount === null || amount === 0) return refuse(400, null, 'amount');
    if (!(TEST_CHANNELS as readonly string[]).includes(values.channel)) return refuse(400, null, 'channel');
    const channel = values.channel as TestChannel;
    const answer = await locals.console!.api.POST('/v1/payments', {
      body: {
        amount,
        currency: 'CNY',
        channel,
        description: values.description,
        ...(values.merchant_order_no ? { merchant_order_no: values.merchant_order_no } : {}),
        // WeChat's H5 payments name the payer's address; here, the person's own.
        ...(channel === 'wechat_h5' ? { client_ip: getClientAddress() } : {}),
      },
    });
    if (!answer.data) {
      const body = errorOf(answer.error);
      return refuse(answer.response.status, body?.message ?? 'error', body?.param ?? null);
    }
    redirect(303, `/dashboard/payments/${answer.data.id}`);
  },
};
