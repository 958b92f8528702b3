/**
 * Nobody gets in through the public routes: anyone can post to /notify (the account id is in
 * page-pay URLs) and anyone with a link can call the hosted checkout. A refused notification costs
 * at most 2 KB of the database, and a caller who keeps trying is answered 429 before any work.
 * Each test calls from an address of its own in 127.0.0.0/8, so that the limits it reaches are not
 * those of the other tests sharing the stack.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { queryDb } from './db';
import { createTestMerchant, testStack } from './stack';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to the API from `localAddress` (every 127.x.y.z address is this machine's). */
function call(localAddress: string, method: string, urlPath: string, body?: Buffer): Promise<Answer> {
  const url = new URL(urlPath, testStack().api_url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, localAddress, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function alipayAccountOf(merchantId: string): Promise<string> {
  const [account] = await queryDb<{ id: string }>(
    `select id from provider_accounts where merchant_id = $1 and provider = 'alipay'`,
    [merchantId],
  );
  return account.id;
}

test('a refused notification keeps the SHA-256 and size of its body and its first 2 KB only', async () => {
  const { merchantId } = await createTestMerchant();
  const account = await alipayAccountOf(merchantId);
  const junk = Buffer.from(`out_trade_no=nothing&sign=forged&junk=${'x'.repeat(100_000)}`);
  const answer = await call('127.0.0.21', 'POST', `/notify/alipay/${account}`, junk);
  expect(answer.status).toBeLessThan(500);
  const [stored] = await queryDb<{ outcome: string; length: number; body_sha256: string; body_bytes: number }>(
    `select outcome, octet_length(body) as length, body_sha256, body_bytes from provider_notifications where provider_account_id = $1`,
    [account],
  );
  expect(stored).toEqual({
    outcome: 'refused',
    length: 2048,
    body_sha256: createHash('sha256').update(junk).digest('hex'),
    body_bytes: junk.length,
  });
});

test('a caller who keeps sending refused notifications is answered 429 with Retry-After, and nothing more is stored', async () => {
  const { merchantId } = await createTestMerchant();
  const account = await alipayAccountOf(merchantId);
  const answers: Answer[] = [];
  for (let i = 0; i < 40; i++)
    answers.push(await call('127.0.0.22', 'POST', `/notify/alipay/${account}`, Buffer.from(`sign=forged&n=${i}`)));
  const limited = answers.filter((answer) => answer.status === 429);
  expect(limited.length).toBeGreaterThan(0);
  expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
  expect(JSON.parse(limited[0].body)).toMatchObject({ error: { type: 'rate_limit_error' } });
  const [{ count }] = await queryDb<{ count: string }>(
    'select count(*) from provider_notifications where provider_account_id = $1',
    [account],
  );
  expect(Number(count)).toBe(40 - limited.length);
  // Another caller is not held up by this one.
  expect((await call('127.0.0.23', 'POST', `/notify/alipay/${account}`, Buffer.from('sign=forged'))).status).not.toBe(
    429,
  );
});

test('one checkout link called too often is answered 429 with Retry-After', async () => {
  // A link of this test's own: another test asking for a missing session within the minute is not refused.
  const link = `/checkout/sessions/cs_limited${Date.now().toString(36)}`;
  let answer: Answer | null = null;
  for (let i = 0; i < 130 && answer?.status !== 429; i++) answer = await call('127.0.0.24', 'GET', link);
  expect(answer?.status).toBe(429);
  expect(Number(answer?.headers['retry-after'])).toBeGreaterThan(0);
  expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } });
});
