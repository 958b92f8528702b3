/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { anySet, chinaDay, dayRange, formOf, given } from './query';

describe("the admin lists' filter forms", () => {
  test('a form shows back what was typed, trimmed, and empty fields are left out of the query', () => {
    const form = formOf(new URLSearchParams('merchant=%20mer_a%20&other=x'), ['merchant', 'actor'] as const);
    expect(form).toEqual({ merchant: 'mer_a', actor: '' });
    expect(anySet(form)).toBe(true);
    expect(anySet({ merchant: '', actor: '' })).toBe(false);
    expect(given(form.actor)).toBeUndefined();
    expect(given(form.merchant)).toBe('mer_a');
  });

  test('China days become an inclusive range of whole days at +08:00', () => {
    expect(dayRange('received', '2026-12-01', '2026-12-03')).toEqual({
      range: { 'received[gte]': '2026-12-01T00:00:00+08:00', 'received[lte]': '2026-12-03T23:59:59+08:00' },
      invalid: null,
    });
    expect(dayRange('created', '', '')).toEqual({ range: {}, invalid: null });
  });

  test.each([
    ['12/01/2026', '', 'from'],
    ['', 'yesterday', 'to'],
  ])('%j to %j is no day: the form names %s', (from, to, field) => {
    expect(dayRange('created', from, to).invalid).toBe(field);
  });

  test("a counter's since is put in its list's from as the China day it falls on", () => {
    expect(chinaDay('2026-12-03T16:30:00Z')).toBe('2026-12-04');
    expect(chinaDay('2026-12-03T15:59:59Z')).toBe('2026-12-03');
  });
});
