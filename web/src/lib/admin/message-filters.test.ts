/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { filterFieldOf, messageFilterForm, messageFilters, messageFiltered } from './message-filters';

const formOf = (query: string) => messageFilterForm(new URLSearchParams(query));

describe('the message log filters', () => {
  test('each set field becomes its API filter; days are whole China days', () => {
    const form = formOf(
      'to=%2B8613800138000&template=payment_receipt&channel=sms&status=failed&merchant=mer_1&from=2026-12-01&until=2026-12-03',
    );
    expect(messageFilters(form)).toEqual({
      filters: {
        to: '+8613800138000',
        template: 'payment_receipt',
        channel: 'sms',
        status: 'failed',
        merchant: 'mer_1',
        'created[gte]': '2026-12-01T00:00:00+08:00',
        'created[lte]': '2026-12-03T23:59:59+08:00',
      },
      invalid: null,
    });
    expect(messageFiltered(form)).toBe(true);
  });

  test('nothing set filters nothing; an unknown channel or status is ignored', () => {
    expect(messageFiltered(formOf(''))).toBe(false);
    expect(messageFilters(formOf('channel=fax&status=lost')).filters).toEqual({});
  });

  test('a day that is not one names its field, and the API parameters map back to the fields', () => {
    expect(messageFilters(formOf('until=yesterday')).invalid).toBe('until');
    expect(filterFieldOf('created[gte]')).toBe('from');
    expect(filterFieldOf('created[lte]')).toBe('until');
    expect(filterFieldOf('to')).toBe('to');
    expect(filterFieldOf(null)).toBeNull();
  });
});
