/**
 * The payments list's filters as the page's form sends them (amounts in yuan, dates as China days)
 * and as the API takes them (fen, ISO times with +08:00), for the list and its CSV export alike.
 */
import { yuanToFen } from './money';
import { PAYMENT_STATUSES, type PaymentStatus } from './names';

export const CHANNELS = [
  'alipay_pc',
  'alipay_wap',
  'alipay_qr',
  'wechat_native',
  'wechat_jsapi',
  'wechat_h5',
  'unionpay_pc',
  'unionpay_wap',
] as const;
export const PROVIDERS = ['alipay', 'wechatpay', 'unionpay'] as const;
export type Channel = (typeof CHANNELS)[number];
export type Provider = (typeof PROVIDERS)[number];

/** The form's fields, as typed (shown back in the form). */
export const FILTER_FIELDS = ['q', 'status', 'channel', 'provider', 'amount_min', 'amount_max', 'from', 'to'] as const;
export type FilterForm = Record<(typeof FILTER_FIELDS)[number], string>;

export interface ApiFilters {
  q?: string;
  status?: PaymentStatus;
  channel?: Channel;
  provider?: Provider;
  customer?: string;
  'amount[gte]'?: number;
  'amount[lte]'?: number;
  'created[gte]'?: string;
  'created[lte]'?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filterForm(values: { get(name: string): unknown }): FilterForm {
  const form = {} as FilterForm;
  for (const field of FILTER_FIELDS) {
    const value = values.get(field);
    form[field] = typeof value === 'string' ? value.trim() : '';
  }
  return form;
}

/** The API's filters, or the form field that cannot be one (the page says so next to it). */
export function apiFilters(form: FilterForm): { filters: ApiFilters; invalid: keyof FilterForm | null } {
  const filters: ApiFilters = {};
  if (form.q) filters.q = form.q;
  if ((PAYMENT_STATUSES as readonly string[]).includes(form.status)) filters.status = form.status as PaymentStatus;
  if ((CHANNELS as readonly string[]).includes(form.channel)) filters.channel = form.channel as Channel;
  if ((PROVIDERS as readonly string[]).includes(form.provider)) filters.provider = form.provider as Provider;
  for (const [field, param] of [
    ['amount_min', 'amount[gte]'],
    ['amount_max', 'amount[lte]'],
  ] as const) {
    if (!form[field]) continue;
    const fen = yuanToFen(form[field]);
    if (fen === null) return { filters, invalid: field };
    filters[param] = fen;
  }
  // Whole China days, as the overview counts them (the providers' business day).
  if (form.from) {
    if (!DAY.test(form.from)) return { filters, invalid: 'from' };
    filters['created[gte]'] = `${form.from}T00:00:00+08:00`;
  }
  if (form.to) {
    if (!DAY.test(form.to)) return { filters, invalid: 'to' };
    filters['created[lte]'] = `${form.to}T23:59:59+08:00`;
  }
  return { filters, invalid: null };
}

/** Whether any filter is set (an empty list then means "none match", not "none yet"). */
export const filtered = (form: FilterForm): boolean => FILTER_FIELDS.some((field) => form[field] !== '');
