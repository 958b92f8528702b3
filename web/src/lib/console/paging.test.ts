/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { paging } from './paging';

const at = (path: string) => new URL(path, 'http://console.example');

describe('cursor paging with a trail back', () => {
  test('the first page has no way back, and its next page keeps the filters', () => {
    const first = paging(at('/dashboard/payments?status=succeeded'));
    expect(first.startingAfter).toBeUndefined();
    expect(first.previous).toBeNull();
    expect(first.next('pay_b', true)).toBe('/dashboard/payments?status=succeeded&starting_after=pay_b&trail=%7E');
    expect(first.next('pay_b', false)).toBeNull();
  });

  test('forward twice, then back twice, lands on the pages it came through', () => {
    const second = paging(at(paging(at('/dashboard/payments?q=x')).next('pay_b', true)!));
    expect(second.startingAfter).toBe('pay_b');
    const thirdUrl = second.next('pay_d', true)!;
    const third = paging(at(thirdUrl));
    expect(third.startingAfter).toBe('pay_d');
    expect(third.previous).toBe('/dashboard/payments?q=x&starting_after=pay_b&trail=%7E');
    expect(paging(at(third.previous!)).previous).toBe('/dashboard/payments?q=x');
  });
});
