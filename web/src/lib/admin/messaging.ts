/**
 * The templates' and message log's words in the page's language, and the log's filters as its form
 * sends them (dates as China days) and as the API takes them (ISO times with +08:00).
 */
import type { components } from '$api-types';
import { m } from '$lib/paraglide/messages.js';

export type Template = components['schemas']['Template'];
export type TemplateVariable = Template['variables'][number];
export type Message = components['schemas']['Message'];
export type MessageChannel = Template['channel'];
export type TemplateLocale = Template['locale'];
export type MessageStatus = Message['status'];
export type AttemptOutcome = NonNullable<Message['attempts']>[number]['outcome'];

export const MESSAGE_CHANNELS: readonly MessageChannel[] = ['sms', 'email'];
export const TEMPLATE_LOCALES: readonly TemplateLocale[] = ['zh-CN', 'en-US'];
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['pending', 'sent', 'delivered', 'failed', 'undeliverable'];
export const VARIABLE_TYPES: readonly TemplateVariable['type'][] = [
  'string',
  'amount',
  'code',
  'url',
  'date',
  'number',
];

type Words = () => string;

const CHANNELS: Record<MessageChannel, Words> = { sms: m.admin_msg_channel_sms, email: m.admin_msg_channel_email };
const LOCALES: Record<TemplateLocale, Words> = { 'zh-CN': m.admin_tpl_locale_zh, 'en-US': m.admin_tpl_locale_en };
const STATUSES: Record<MessageStatus, Words> = {
  pending: m.admin_msg_status_pending,
  sent: m.admin_msg_status_sent,
  delivered: m.admin_msg_status_delivered,
  failed: m.admin_msg_status_failed,
  undeliverable: m.admin_msg_status_undeliverable,
};
const OUTCOMES: Record<AttemptOutcome, Words> = {
  sent: m.admin_msg_outcome_sent,
  retryable: m.admin_msg_outcome_retryable,
  throttled: m.admin_msg_outcome_throttled,
  final: m.admin_msg_outcome_final,
};
const TYPES: Record<TemplateVariable['type'], Words> = {
  string: m.admin_tpl_type_string,
  amount: m.admin_tpl_type_amount,
  code: m.admin_tpl_type_code,
  url: m.admin_tpl_type_url,
  date: m.admin_tpl_type_date,
  number: m.admin_tpl_type_number,
};

export const channelLabel = (channel: MessageChannel): string => CHANNELS[channel]();
export const localeLabel = (locale: TemplateLocale): string => LOCALES[locale]();
export const messageStatusLabel = (status: MessageStatus): string => STATUSES[status]();
export const outcomeLabel = (outcome: AttemptOutcome): string => OUTCOMES[outcome]();
export const variableTypeLabel = (type: TemplateVariable['type']): string => TYPES[type]();
export const templateStatusLabel = (status: Template['status']): string =>
  status === 'published' ? m.admin_tpl_status_published() : m.admin_tpl_status_draft();

/** The other of the two languages a template is written in. */
export const otherLocale = (locale: TemplateLocale): TemplateLocale => (locale === 'zh-CN' ? 'en-US' : 'zh-CN');

/** The message log's form fields, as typed (shown back in the form). */
export const MESSAGE_FILTER_FIELDS = ['to', 'template', 'channel', 'status', 'merchant', 'from', 'until'] as const;
export type MessageFilterForm = Record<(typeof MESSAGE_FILTER_FIELDS)[number], string>;

export interface MessageFilters {
  to?: string;
  template?: string;
  channel?: MessageChannel;
  status?: MessageStatus;
  merchant?: string;
  'created[gte]'?: string;
  'created[lte]'?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function messageFilterForm(values: { get(name: string): unknown }): MessageFilterForm {
  const form = {} as MessageFilterForm;
  for (const field of MESSAGE_FILTER_FIELDS) {
    const value = values.get(field);
    form[field] = typeof value === 'string' ? value.trim() : '';
  }
  return form;
}

/**
 * The API's filters, or the form field that cannot be one. Text filters go as typed: the API checks
 * them and names the parameter it refuses, which the page marks (`filterFieldOf`).
 */
export function messageFilters(form: MessageFilterForm): { filters: MessageFilters; invalid: string | null } {
  const filters: MessageFilters = {};
  if (form.to) filters.to = form.to;
  if (form.template) filters.template = form.template;
  if (form.merchant) filters.merchant = form.merchant;
  if ((MESSAGE_CHANNELS as readonly string[]).includes(form.channel)) filters.channel = form.channel as MessageChannel;
  if ((MESSAGE_STATUSES as readonly string[]).includes(form.status)) filters.status = form.status as MessageStatus;
  // Whole China days, as the rest of the consoles count them.
  if (form.from) {
    if (!DAY.test(form.from)) return { filters, invalid: 'from' };
    filters['created[gte]'] = `${form.from}T00:00:00+08:00`;
  }
  if (form.until) {
    if (!DAY.test(form.until)) return { filters, invalid: 'until' };
    filters['created[lte]'] = `${form.until}T23:59:59+08:00`;
  }
  return { filters, invalid: null };
}

/** The form field an API parameter came from. */
export function filterFieldOf(param: string | null): string | null {
  if (param === 'created[gte]') return 'from';
  if (param === 'created[lte]') return 'until';
  return param;
}

export const messageFiltered = (form: MessageFilterForm): boolean =>
  MESSAGE_FILTER_FIELDS.some((field) => form[field] !== '');
