/**
 * Requests the fuzzer (npm run fuzz) found answered 500 or without API.md's error body: each is
 * now a 4xx in API.md's format, naming the field when one is at fault. Sent byte for byte, as a
 * hostile client would.
 */
import { sendRaw, type RawRequest, type RawResponse } from '../bench/fuzz/raw-http';
import { createTestMerchant, testStack } from './stack';

function send(request: Partial<RawRequest> & Pick<RawRequest, 'method' | 'target'>): Promise<RawResponse> {
  return sendRaw(new URL(testStack().api_url), { headers: [], body: null, ...request }, { timeoutMs: 15_000 });
}

const admin = (): [string, string] => ['Authorization', `Bearer ${testStack().admin_token}`];

/** API.md's error object, with the answer's Request-Id. */
function errorOf(response: RawResponse) {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error } = JSON.parse(response.body.toString()) as {
    error: { type: string; code: string; message: string; param: string | null; request_id: string };
  };
  expect(error.request_id).toBe(response.headers['request-id']);
  return error;
}

test('a body that does not inflate as its Content-Encoding says is a 400, not a 500', async () => {
  const { secretKey } = await createTestMerchant();
  for (const encoding of ['deflate', 'gzip', 'br']) {
    const response = await send({
      method: 'POST',
      target: '/v1/payments',
      headers: [
        ['Authorization', `Bearer ${secretKey}`],
        ['Content-Type', 'application/json'],
        ['Content-Encoding', encoding],
      ],
      body: Buffer.from('{"amount":100}'),
    });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'request_unreadable' });
  }
});

test('a path parameter that is not valid percent-encoded UTF-8 is a 400', async () => {
  const { secretKey } = await createTestMerchant();
  for (const [token, target] of [
    [secretKey, '/v1/payments/pay_%E0%A4%A'],
    [testStack().admin_token, '/v1/admin/merchants/mer_%E0%A4%A/api_keys'],
  ]) {
    const response = await send({ method: 'POST', target, headers: [['Authorization', `Bearer ${token}`]] });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'request_unreadable' });
  }
});

test('an admin route whose id holds a NUL is a 400 naming id, before any query', async () => {
  for (const [method, target] of [
    ['POST', '/v1/admin/merchants/mer_%00/api_keys'],
    ['POST', '/v1/admin/merchants/mer_%00/sandbox_accounts'],
    ['DELETE', '/v1/admin/api_keys/key_%00'],
  ]) {
    const response = await send({
      method,
      target,
      headers: [admin(), ['Content-Type', 'application/json']],
      body: Buffer.from('{}'),
    });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'parameter_invalid', param: 'id' });
  }
});

test('a notification for an account id holding a NUL is an unknown account, not a 500', async () => {
  const response = await send({
    method: 'POST',
    target: '/notify/alipay/pa_%00',
    headers: [['Content-Type', 'application/x-www-form-urlencoded']],
    body: Buffer.from('out_trade_no=x&sign=y'),
  });
  expect(response.status).toBe(404);
  expect(response.body.toString()).toBe('unknown account');
});

test("a request Node's HTTP parser refuses gets API.md's error body and a Request-Id", async () => {
  for (const request of [
    { method: 'get', target: '/v1/payments' },
    { method: 'FOO', target: '/v1/payments' },
    { method: 'GET', target: '/v1/payments', headers: [['Idempotency-Key', 'a\u007fb']] as [string, string][] },
  ]) {
    const response = await send(request);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ type: 'invalid_request_error', code: 'request_malformed' });
  }
});
