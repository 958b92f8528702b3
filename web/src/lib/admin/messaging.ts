/** The templates' and message log's words in the page's language. */
import type { components } from '$api-types';
import { m } from '$lib/paraglide/messages.js';
import type { MessageChannel, MessageStatus } from './message-filters';

export { MESSAGE_CHANNELS, MESSAGE_STATUSES, type MessageChannel, type MessageStatus } from './message-filters';
export type Template = components['schemas']['Template'];
export type TemplateVariable = Template['variables'][number];
export type Message = components['schemas']['Message'];
export type TemplateLocale = Template['locale'];
export type AttemptOutcome = NonNullable<Message['attempts']>[number]['outcome'];

export const TEMPLATE_LOCALES: readonly TemplateLocale[] = ['zh-CN', 'en-US'];
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
