import { InvalidRequestError } from './errors';
import { objectIdOf, routePattern } from './route-pattern';

test('a pattern matches its parameters and nothing past them', () => {
  const pattern = routePattern('/payments/:id/cancel');
  expect(pattern.test('/payments/pay_1/cancel')).toBe(true);
  expect(pattern.test('/payments/pay_1/cancel/')).toBe(true);
  expect(pattern.test('/payments/pay_1/capture')).toBe(false);
  expect(pattern.test('/payments/a/b/cancel')).toBe(false);
});

test("a request's object id is its path's first parameter, decoded", () => {
  const rule = { path: '/v1/admin/merchants/:id/api_keys' };
  expect(objectIdOf(rule, '/v1/admin/merchants/mer_%C3%A9/api_keys')).toBe('mer_é');
  expect(objectIdOf({ path: '/v1/admin/merchants' }, '/v1/admin/merchants')).toBeNull();
});

test('an id that is not valid percent-encoded UTF-8 is a 400 request_unreadable, not a URIError', () => {
  const read = () => objectIdOf({ path: '/v1/payments/:id' }, '/v1/payments/pay_%E0%A4%A');
  expect(read).toThrow(InvalidRequestError);
  expect(read).toThrow(expect.objectContaining({ code: 'request_unreadable', status: 400 }));
});
