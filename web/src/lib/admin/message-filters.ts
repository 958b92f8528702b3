/**
 * The message log's filters as its form sends them (dates as China days) and as the API takes them
 * (ISO times with +08:00). Pure: the root's jest runs its test.
 */
import type { components } from '$api-types';

export type MessageChannel = components['schemas']['Message']['channel'];
export type MessageStatus = components['schemas']['Message']['status'];

export const MESSAGE_CHANNELS: readonly MessageChannel[] = ['sms', 'email'];
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['pending', 'sent', 'delivered', 'failed', 'undeliverable'];

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
