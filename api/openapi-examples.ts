import { listObjectSchema } from './object-schemas';

// Examples the OpenAPI document shows (api/openapi-operations.ts and the tables it spreads).

export const list = listObjectSchema;
export const PAYMENT_EXAMPLE = {
  id: 'pay_2Vx8hQk3mJ9tLr4Nw7Yz',
  object: 'payment',
  livemode: false,
  status: 'requires_action',
  amount: 1999,
  amount_refunded: 0,
  currency: 'CNY',
  channel: 'alipay_qr',
  provider: 'alipay',
  description: 'Tea set',
  merchant_order_no: 'order-1001',
  customer: null,
  metadata: { order: '1001' },
  next_action: {
    type: 'display_qr_code',
    display_qr_code: { data: 'https://qr.alipay.com/bax01234', image_svg_url: null },
  },
  return_url: null,
  checkout_url: null,
  out_trade_no: 'tb2Vx8hQk3mJ9tLr4Nw7Yz',
  provider_trade_no: null,
  failure_code: null,
  failure_message: null,
  expires_at: '2026-12-03T10:15:00.000Z',
  created_at: '2026-12-03T10:00:00.000Z',
  succeeded_at: null,
  canceled_at: null,
  expired_at: null,
};
export const REFUND_EXAMPLE = {
  id: 're_7Kp2Wq9sLm4Xv8Rt3Hb',
  object: 'refund',
  livemode: false,
  payment: PAYMENT_EXAMPLE.id,
  amount: 500,
  currency: 'CNY',
  status: 'pending',
  reason: 'One cup broken',
  metadata: {},
  origin: 'merchant',
  out_refund_no: 'rf7Kp2Wq9sLm4Xv8Rt3Hb',
  provider_refund_no: null,
  failure_reason: null,
  created_at: '2026-12-03T11:00:00.000Z',
  succeeded_at: null,
};
export const TAX_RATE_EXAMPLE = {
  id: 'txr_4Hn8Qe2Lp7Wd3Ks9Vb',
  object: 'tax_rate',
  display_name: 'VAT',
  percentage: 13,
  inclusive: false,
  active: true,
  livemode: false,
  created_at: '2026-12-03T09:00:00.000Z',
};
export const COUPON_EXAMPLE = {
  object: 'coupon',
  code: 'WELCOME10',
  percent_off: 10,
  amount_off: null,
  currency: null,
  max_redemptions: 100,
  times_redeemed: 0,
  expires_at: null,
  active: true,
  livemode: false,
  created_at: '2026-12-03T09:00:00.000Z',
};
export const MERCHANT_EXAMPLE = {
  id: 'mer_8Tq3Zx6Nc1Rv5Jm2Wk',
  object: 'merchant',
  name: 'Tea House',
  email: 'owner@teahouse.example.cn',
  created_at: '2026-12-03T08:00:00.000Z',
};
export const MESSAGE_ACCOUNT_EXAMPLE = {
  id: 'ma_5Wd9Lq2Hs7Xb4Np1Rc',
  object: 'message_account',
  provider: 'aliyun',
  merchant: MERCHANT_EXAMPLE.id,
  livemode: false,
  access_key_id: 'LTAI5tExampleKey01',
  sign_name: '茶叶小铺',
  sender_address: 'no-reply@teahouse.example.cn',
  from_alias: null,
  created_at: '2026-12-03T08:30:00.000Z',
};
export const listExample = (url: string, item: unknown) => ({ object: 'list', url, data: [item], has_more: false });
