import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import type { paths } from '../api/openapi-types';
import { createTestMerchant, testStack } from './stack';

// A merchant's story told with the client generated from the document (openapi-fetch and
// api/openapi-types.ts), against the running stack: every answer must match the schema the
// document gives it, so a route that answers other than it says fails here.

interface Document {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: object;
}

let document: Document;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);

/** The validator of the answer `status` of `method path`, as the document served by the API states it. */
function schemaOf(method: string, path: string, status: number): ValidateFunction {
  const responses = document.paths[path]?.[method]?.responses;
  const response = responses?.[String(status)] ?? responses?.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the document has no JSON answer ${status} for ${method} ${path}`);
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')));
}

function expectMatches(method: string, path: string, response: Response, body: unknown) {
  const validate = schemaOf(method, path, response.status);
  expect({
    answer: `${method} ${path} ${response.status}`,
    valid: validate(body),
    errors: validate.errors ?? null,
  }).toEqual({
    answer: `${method} ${path} ${response.status}`,
    valid: true,
    errors: null,
  });
}

beforeAll(async () => {
  const answer = await fetch(`${testStack().api_url}/v1/openapi.json`);
  expect(answer.status).toBe(200);
  document = (await answer.json()) as Document;
  ajv.addSchema({ components: document.components }, 'openapi');
});

test('the document is served without a key, as OpenAPI 3.1', () => {
  expect(document).toMatchObject({ openapi: '3.1.0' });
  expect(Object.keys(document.paths)).toContain('/v1/payments/{id}');
});

test('a merchant creates a payment, reads it, finds it in the list, and is told by name what is wrong with a bad one', async () => {
  const { secretKey } = await createTestMerchant();
  const api = createClient<paths>({ baseUrl: testStack().api_url, headers: { authorization: `Bearer ${secretKey}` } });

  const created = await api.POST('/v1/payments', {
    body: { amount: 1999, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set', metadata: { order: '1001' } },
  });
  expect(created.response.status).toBe(201);
  expectMatches('post', '/v1/payments', created.response, created.data);
  const payment = created.data!;
  expect(payment).toMatchObject({ amount: 1999, status: 'requires_action', metadata: { order: '1001' } });

  const read = await api.GET('/v1/payments/{id}', { params: { path: { id: payment.id } } });
  expect(read.response.status).toBe(200);
  expectMatches('get', '/v1/payments/{id}', read.response, read.data);
  expect(read.data!.id).toBe(payment.id);

  const listed = await api.GET('/v1/payments', { params: { query: { limit: 5, status: 'requires_action' } } });
  expect(listed.response.status).toBe(200);
  expectMatches('get', '/v1/payments', listed.response, listed.data);
  expect(listed.data!.data.map((item) => item.id)).toContain(payment.id);

  // Typed as the document says: a negative amount compiles, and the API names the field.
  const refused = await api.POST('/v1/payments', {
    body: { amount: -1, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set' },
  });
  expect(refused.response.status).toBe(400);
  expectMatches('post', '/v1/payments', refused.response, refused.error);
  expect(refused.error!.error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });

  const missing = await api.GET('/v1/payments/{id}', { params: { path: { id: 'pay_doesnotexist' } } });
  expect(missing.response.status).toBe(404);
  expectMatches('get', '/v1/payments/{id}', missing.response, missing.error);
});

test('a customer, the webhook endpoints and the events, through the client, match their schemas too', async () => {
  const { secretKey } = await createTestMerchant();
  const api = createClient<paths>({ baseUrl: testStack().api_url, headers: { authorization: `Bearer ${secretKey}` } });
  const customer = await api.POST('/v1/customers', { body: { email: 'Li.Wei@QQ.com', name: '李伟' } });
  expect(customer.response.status).toBe(201);
  expectMatches('post', '/v1/customers', customer.response, customer.data);
  expect(customer.data!.email).toBe('li.wei@qq.com');

  const customers = await api.GET('/v1/customers', { params: { query: { email: 'li.wei@qq.com' } } });
  expectMatches('get', '/v1/customers', customers.response, customers.data);

  const endpoints = await api.GET('/v1/webhook_endpoints');
  expectMatches('get', '/v1/webhook_endpoints', endpoints.response, endpoints.data);
  const events = await api.GET('/v1/events');
  expectMatches('get', '/v1/events', events.response, events.data);
});

test('/docs is the reference page, and every file it loads comes from the API itself', async () => {
  const page = await fetch(`${testStack().api_url}/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
  expect(assets.length).toBeGreaterThanOrEqual(4);
  // No CDN: test stacks refuse outbound traffic, and so may a merchant's network.
  for (const url of assets) expect(url).toMatch(/^\/docs\//);
  for (const url of assets) {
    const asset = await fetch(`${testStack().api_url}${url}`);
    expect({ url, status: asset.status }).toEqual({ url, status: 200 });
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }
  const init = await (await fetch(`${testStack().api_url}/docs/init.js`)).text();
  expect(init).toContain("url: '/v1/openapi.json'");
  expect((await fetch(`${testStack().api_url}/docs/index.html`)).status).toBe(404);
});
