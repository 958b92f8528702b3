// Merchant webhook stories, end to end. Over 400 lines on purpose: the stories share one local
// receiver (the merchant's endpoint) and its signature checks, which a split would start twice.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createWebhookActivities } from '../activities/webhook.activities';
import { openDatabase } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { paymentWorkflowId, webhookDeliveryWorkflowId } from '../domain/workflow-ids';
import { queryDb } from './db';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack, testDataConverter } from './stack';
import { startEndpoint, type Received } from './webhook-receiver';

// Stories of merchant webhooks, through the real API, Temporal, PostgreSQL and the sandbox: the
// merchant's endpoints are HTTP servers in this test, on 127.0.0.1.

interface EndpointBody {
  id: string;
  object: string;
  url: string;
  enabled_events: string[];
  secret?: string;
}

async function registerEndpoint(key: string, url: string, enabledEvents: string[]): Promise<EndpointBody> {
  const response = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', {
    url,
    enabled_events: enabledEvents,
    description: 'Tea shop orders',
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** A shopper pays an Alipay QR payment in the sandbox; returns once the API says it succeeded. */
async function paidPayment(key: string): Promise<string> {
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 2680,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Oolong, 250 g',
  });
  expect(created.status).toBe(201);
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: created.body.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  await eventually(async () =>
    expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/payments/${created.body.id}`)).body.status).toBe(
      'succeeded',
    ),
  );
  return created.body.id;
}

/** Verifies Tongbao-Signature the way API.md tells merchants to, with nothing but node:crypto. */
function expectSignedBy(secret: string, request: Received): void {
  const header = String(request.headers['tongbao-signature']);
  expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  const fields = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${fields.t}.${request.body}`).digest();
  expect(timingSafeEqual(Buffer.from(fields.v1, 'hex'), expected)).toBe(true);
  expect(Math.abs(request.at / 1000 - Number(fields.t))).toBeLessThan(300);
}

interface DeliveryBody {
  object: string;
  event: string;
  webhook_endpoint: string;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  attempts: { number: number; at: string; status_code: number | null; latency_ms: number; error: string | null }[];
}

async function deliveriesOf(key: string, eventId: string): Promise<DeliveryBody[]> {
  const response = await apiFetch<{ object: string; data: DeliveryBody[] }>(
    key,
    'GET',
    `/v1/events/${eventId}/deliveries`,
  );
  expect(response.status).toBe(200);
  return response.body.data;
}

/**
 * Waits until the workflow's latest run has closed and answers how it ended. A closed delivery
 * sends nothing more, and a closed payment has dispatched its events to every endpoint: what has
 * not arrived by then never will.
 */
async function closedWorkflow(workflowId: string): Promise<string> {
  const connection = await Connection.connect({ address: testStack().temporal_address });
  try {
    const client = new Client({
      connection,
      namespace: testStack().temporal_namespace,
      dataConverter: testDataConverter(),
    });
    return await eventually(
      async () => {
        const { status } = await client.workflow.getHandle(workflowId).describe();
        expect(status.name).not.toBe('RUNNING');
        return status.name;
      },
      { timeoutMs: 30_000 },
    );
  } finally {
    await connection.close();
  }
}

describe('merchant webhooks, end to end', () => {
  test('a paid Alipay payment reaches the endpoint once, signed with its secret, with the body GET /v1/events/:id returns', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    const receiver = await startEndpoint();
    const endpoint = await registerEndpoint(key, receiver.url, ['payment.succeeded']);
    expect(endpoint).toMatchObject({
      object: 'webhook_endpoint',
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
      livemode: false,
    });
    expect(endpoint.id).toMatch(/^we_/);
    expect(endpoint.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    const secret = endpoint.secret!;

    // The secret is shown once: never again, and not stored in clear.
    const fetched = await apiFetch<EndpointBody>(key, 'GET', `/v1/webhook_endpoints/${endpoint.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.secret).toBeUndefined();
    const listed = await apiFetch<{ object: string; data: EndpointBody[]; has_more: boolean }>(
      key,
      'GET',
      '/v1/webhook_endpoints',
    );
    expect(listed.body).toMatchObject({ object: 'list', has_more: false, data: [{ id: endpoint.id }] });
    expect(listed.text).not.toContain(secret);
    const [stored] = await queryDb<{ secret_encrypted: string }>(
      'select secret_encrypted from webhook_endpoints where id = $1',
      [endpoint.id],
    );
    expect(stored.secret_encrypted).not.toContain(secret.slice('whsec_'.length));

    const paymentId = await paidPayment(key);

    await eventually(() => expect(receiver.received).toHaveLength(1));
    const [request] = receiver.received;
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const eventId = String(request.headers['tongbao-event-id']);
    expect(eventId).toMatch(/^evt_/);
    expectSignedBy(secret, request);

    const event = await apiFetch<{ id: string; type: string; data: { object: { id: string; status: string } } }>(
      key,
      'GET',
      `/v1/events/${eventId}`,
    );
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({
      id: eventId,
      object: 'event',
      type: 'payment.succeeded',
      livemode: false,
      data: { object: { id: paymentId, object: 'payment', status: 'succeeded' } },
    });
    expect(JSON.parse(request.body)).toEqual(event.body);
    expect(request.body).toBe(event.text);
    // Keys in the order of API.md's payment object, as GET /v1/payments/:id shows them.
    expect(Object.keys(JSON.parse(request.body).data.object).slice(0, 4)).toEqual([
      'id',
      'object',
      'livemode',
      'status',
    ]);

    const events = await apiFetch<{ data: { id: string }[] }>(key, 'GET', '/v1/events?type=payment.succeeded&limit=5');
    expect(events.body.data.map((e) => e.id)).toEqual([eventId]);

    // Exactly one delivery: once the payment has dispatched the event and the delivery is over,
    // nothing more has arrived, and the record shows one successful attempt.
    expect(await closedWorkflow(paymentWorkflowId(paymentId))).toBe('COMPLETED');
    expect(await closedWorkflow(webhookDeliveryWorkflowId(eventId, endpoint.id))).toBe('COMPLETED');
    expect(receiver.received).toHaveLength(1);
    const deliveries = await deliveriesOf(key, eventId);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      object: 'webhook_delivery',
      event: eventId,
      webhook_endpoint: endpoint.id,
      status: 'delivered',
      attempt_count: 1,
      last_status_code: 200,
      next_attempt_at: null,
    });
    expect(deliveries[0].attempts).toEqual([
      {
        object: 'webhook_attempt',
        number: 1,
        at: expect.any(String),
        status_code: 200,
        latency_ms: expect.any(Number),
        error: null,
      },
    ]);

    // Support finds the delivery in Temporal by the event, the payment and its status.
    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({
        connection,
        namespace: testStack().temporal_namespace,
        dataConverter: testDataConverter(),
      });
      await eventually(async () => {
        const ids: string[] = [];
        const query = `EventId="${eventId}" AND EventType="payment.succeeded" AND PaymentId="${paymentId}" AND MerchantId="${merchantId}" AND DeliveryStatus="delivered"`;
        for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
        expect(ids).toEqual([`webhook/${eventId}/${endpoint.id}`]);
      });
    } finally {
      await connection.close();
    }

    // The signing secret never reaches a log line of the API or the worker.
    const logsDir = testStack().logs_dir;
    if (logsDir) {
      for (const name of ['api', 'worker']) {
        const file = path.join(logsDir, `${name}.log`);
        if (fs.existsSync(file)) expect(fs.readFileSync(file, 'utf8')).not.toContain(secret);
      }
    }
  });

  test('an endpoint that answers 503 three times gets the event on the fourth attempt, and every attempt is recorded', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint((n) => (n <= 3 ? 503 : 200));
    const endpoint = await registerEndpoint(key, receiver.url, ['*']);

    await paidPayment(key);

    // Attempts at 0, 30 s, 2.5 min and 12.5 min, divided by the test stack's time scale of 60.
    await eventually(() => expect(receiver.received).toHaveLength(4), { timeoutMs: 45_000 });
    const eventId = String(receiver.received[0].headers['tongbao-event-id']);
    for (const request of receiver.received) {
      expect(request.headers['tongbao-event-id']).toBe(eventId);
      expect(request.body).toBe(receiver.received[0].body);
      expectSignedBy(endpoint.secret!, request);
    }
    const gaps = receiver.received.slice(1).map((request, i) => request.at - receiver.received[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(300);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);

    const delivery = await eventually(async () => {
      const [found] = await deliveriesOf(key, eventId);
      expect(found.status).toBe('delivered');
      return found;
    });
    expect(delivery).toMatchObject({
      webhook_endpoint: endpoint.id,
      attempt_count: 4,
      last_status_code: 200,
      next_attempt_at: null,
      delivered_at: expect.any(String),
    });
    expect(delivery.attempts.map((attempt) => [attempt.number, attempt.status_code])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
      [4, 200],
    ]);
    for (const attempt of delivery.attempts) {
      expect(Number.isInteger(attempt.latency_ms) && attempt.latency_ms >= 0).toBe(true);
      expect(Date.parse(attempt.at)).not.toBeNaN();
    }
    const times = delivery.attempts.map((attempt) => Date.parse(attempt.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  }, 90_000);

  test('an endpoint that does not listen to the type, and a deleted endpoint, receive nothing', async () => {
    const { secretKey: key } = await createTestMerchant();
    const listening = await startEndpoint();
    const otherType = await startEndpoint();
    const deleted = await startEndpoint();
    const listeningEndpoint = await registerEndpoint(key, listening.url, ['payment.succeeded']);
    const otherTypeEndpoint = await registerEndpoint(key, otherType.url, ['payment.failed', 'refund.succeeded']);
    const deletedEndpoint = await registerEndpoint(key, deleted.url, ['*']);
    // Listed in pages: every endpoint once.
    const firstPage = await apiFetch<{ data: { id: string }[]; has_more: boolean }>(
      key,
      'GET',
      '/v1/webhook_endpoints?limit=2',
    );
    expect(firstPage.body.data).toHaveLength(2);
    expect(firstPage.body.has_more).toBe(true);
    const secondPage = await apiFetch<{ data: { id: string }[]; has_more: boolean }>(
      key,
      'GET',
      `/v1/webhook_endpoints?limit=2&starting_after=${firstPage.body.data[1].id}`,
    );
    expect(secondPage.body.has_more).toBe(false);
    expect([...firstPage.body.data, ...secondPage.body.data].map((e) => e.id).sort()).toEqual(
      [listeningEndpoint.id, otherTypeEndpoint.id, deletedEndpoint.id].sort(),
    );

    const removed = await apiFetch(key, 'DELETE', `/v1/webhook_endpoints/${deletedEndpoint.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id: deletedEndpoint.id, object: 'webhook_endpoint', deleted: true });
    expect((await apiFetch(key, 'GET', `/v1/webhook_endpoints/${deletedEndpoint.id}`)).status).toBe(404);
    expect((await apiFetch(key, 'DELETE', `/v1/webhook_endpoints/${deletedEndpoint.id}`)).status).toBe(404);
    const listed = await apiFetch<{ data: { id: string }[] }>(key, 'GET', '/v1/webhook_endpoints');
    expect(listed.body.data.map((e) => e.id)).not.toContain(deletedEndpoint.id);

    const paymentId = await paidPayment(key);

    await eventually(() => expect(listening.received).toHaveLength(1));
    const eventId = String(listening.received[0].headers['tongbao-event-id']);
    // The payment's workflow closes once it has dispatched the event to every endpoint that listens.
    expect(await closedWorkflow(paymentWorkflowId(paymentId))).toBe('COMPLETED');
    expect(otherType.received).toHaveLength(0);
    expect(deleted.received).toHaveLength(0);
    expect((await deliveriesOf(key, eventId)).map((delivery) => delivery.webhook_endpoint)).toEqual([
      listeningEndpoint.id,
    ]);
  });

  test('a resend delivers a delivered event again, at once, and it is recorded as another attempt', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint();
    const endpoint = await registerEndpoint(key, receiver.url, ['payment.succeeded']);
    await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(1));
    const eventId = String(receiver.received[0].headers['tongbao-event-id']);
    await eventually(async () => expect((await deliveriesOf(key, eventId))[0].status).toBe('delivered'));

    const resent = await apiFetch<{ object: string; data: DeliveryBody[] }>(
      key,
      'POST',
      `/v1/events/${eventId}/resend`,
      { webhook_endpoint: endpoint.id },
    );
    expect(resent.status).toBe(200);
    expect(resent.body.data.map((delivery) => delivery.webhook_endpoint)).toEqual([endpoint.id]);

    await eventually(() => expect(receiver.received).toHaveLength(2));
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
    expectSignedBy(endpoint.secret!, receiver.received[1]);
    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(key, eventId);
      expect(found[0].attempts).toHaveLength(2);
      return found;
    });
    expect(delivery).toMatchObject({ status: 'delivered', attempt_count: 2 });
    expect(delivery.attempts.map((attempt) => [attempt.number, attempt.status_code])).toEqual([
      [1, 200],
      [2, 200],
    ]);

    // Without webhook_endpoint: every endpoint that listens to the type.
    expect((await apiFetch(key, 'POST', `/v1/events/${eventId}/resend`)).status).toBe(200);
    await eventually(() => expect(receiver.received).toHaveLength(3));
  });

  test('a resend reaches a delivery that is still retrying: it attempts at once, not at the next scheduled time', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint((n) => (n <= 3 ? 503 : 200));
    const endpoint = await registerEndpoint(key, receiver.url, ['payment.succeeded']);
    await paidPayment(key);
    // Attempts 1-3 come within 2.5 s (scaled); the 4th is scheduled 10 s after the 3rd.
    await eventually(() => expect(receiver.received).toHaveLength(3), { timeoutMs: 20_000 });
    const eventId = String(receiver.received[0].headers['tongbao-event-id']);
    // The third attempt is recorded after the endpoint answered it: wait for the record, not the request.
    await eventually(async () =>
      expect((await deliveriesOf(key, eventId))[0]).toMatchObject({
        status: 'pending',
        attempt_count: 3,
        next_attempt_at: expect.any(String),
      }),
    );

    const resentAt = Date.now();
    expect(
      (await apiFetch(key, 'POST', `/v1/events/${eventId}/resend`, { webhook_endpoint: endpoint.id })).status,
    ).toBe(200);
    await eventually(() => expect(receiver.received).toHaveLength(4), { timeoutMs: 6_000, intervalMs: 100 });
    expect(receiver.received[3].at - resentAt).toBeLessThan(5_000);
    await eventually(async () =>
      expect((await deliveriesOf(key, eventId))[0]).toMatchObject({
        status: 'delivered',
        attempt_count: 4,
        next_attempt_at: null,
      }),
    );
  }, 60_000);

  test('an endpoint nobody listens on: each attempt is recorded with its error and no status code, and the delivery keeps trying', async () => {
    const { secretKey: key } = await createTestMerchant();
    const gone = await startEndpoint();
    await gone.close();
    const endpoint = await registerEndpoint(key, gone.url, ['payment.succeeded']);
    const paymentId = await paidPayment(key);
    const [event] = await queryDb<{ id: string }>(
      `select id from events where object_id = $1 and type = 'payment.succeeded'`,
      [paymentId],
    );

    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(key, event.id);
      expect(found[0].attempts.length).toBeGreaterThanOrEqual(2);
      return found;
    });
    expect(delivery).toMatchObject({
      webhook_endpoint: endpoint.id,
      status: 'pending',
      last_status_code: null,
      delivered_at: null,
      next_attempt_at: expect.any(String),
    });
    for (const attempt of delivery.attempts) {
      expect(attempt.status_code).toBeNull();
      // A coarse class, not the socket's error text: the log must not become a port scanner.
      expect(attempt.error).toBe('connection_refused');
    }
  });

  test('deleting an endpoint stops the retries of its deliveries', async () => {
    const { secretKey: key } = await createTestMerchant();
    const failing = await startEndpoint(() => 500);
    const endpoint = await registerEndpoint(key, failing.url, ['payment.succeeded']);
    await paidPayment(key);
    await eventually(() => expect(failing.received).toHaveLength(1));
    const eventId = String(failing.received[0].headers['tongbao-event-id']);
    expect((await apiFetch(key, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(200);

    // The next attempt was due 0.5 s (30 s scaled) after the first: it finds the endpoint gone and gives up.
    await eventually(async () =>
      expect((await deliveriesOf(key, eventId))[0]).toMatchObject({ status: 'failed', next_attempt_at: null }),
    );
    const attempts = failing.received.length;
    expect(attempts).toBeLessThanOrEqual(2);
    // The delivery's workflow has given up: no attempt can come after it closed.
    expect(await closedWorkflow(webhookDeliveryWorkflowId(eventId, endpoint.id))).toBe('COMPLETED');
    expect(failing.received).toHaveLength(attempts);
  });

  test('when the endpoint never answers 2xx, the delivery gives up after 16 attempts over 3 days, and is failed', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    const paymentId = await paidPayment(key);
    const [event] = await queryDb<{ id: string }>(
      `select id from events where object_id = $1 and type = 'payment.succeeded'`,
      [paymentId],
    );
    // Registered after the event, so only this test's own run delivers to it: 3 days at 1/100000 take 2.6 s.
    const failing = await startEndpoint(() => 500);
    const endpoint = await registerEndpoint(key, failing.url, ['payment.succeeded']);

    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({
        connection,
        namespace: testStack().temporal_namespace,
        dataConverter: testDataConverter(),
      });
      const handle = await client.workflow.start('webhookDeliveryWorkflow', {
        workflowId: `webhook/${event.id}/${endpoint.id}`,
        taskQueue: testStack().temporal_task_queue,
        args: [
          {
            eventId: event.id,
            webhookEndpointId: endpoint.id,
            merchantId,
            eventType: 'payment.succeeded',
            paymentId,
            timeScale: 100_000,
            reason: 'event',
          },
        ],
      });
      expect(await handle.result()).toEqual({ status: 'failed', attempts: 16 });
    } finally {
      await connection.close();
    }
    expect(failing.received).toHaveLength(16);
    const [delivery] = await deliveriesOf(key, event.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempt_count: 16,
      last_status_code: 500,
      next_attempt_at: null,
      delivered_at: null,
    });
    expect(delivery.attempts.map((attempt) => attempt.number)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  }, 60_000);

  test('dispatching an event twice (a retried activity, a second call) starts no second delivery', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint();
    const endpoint = await registerEndpoint(key, receiver.url, ['payment.succeeded']);
    await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(1));
    const eventId = String(receiver.received[0].headers['tongbao-event-id']);

    const stack = testStack();
    const db = await openDatabase(stack.database_url, { poolMax: 2 });
    const connection = await Connection.connect({ address: stack.temporal_address });
    try {
      const activities = createWebhookActivities({
        db,
        secretBox: new SecretBox(stack.env.TONGBAO_ENCRYPTION_KEY),
        providerEnv: { sandboxUrl: stack.sandbox_url },
        apiUrl: stack.api_url,
        logger: pino({ level: 'silent' }),
        temporal: new Client({ connection, namespace: stack.temporal_namespace, dataConverter: testDataConverter() }),
        taskQueue: stack.temporal_task_queue,
        timeScale: 60,
        webhookAllowPrivate: true,
        alerts: { to: [], locale: 'zh-CN', consoleUrl: stack.web_url },
      });
      await Promise.all([activities.dispatchEvent({ eventId }), activities.dispatchEvent({ eventId })]);
      await activities.dispatchEvent({ eventId });
    } finally {
      await connection.close();
      await db.close();
    }
    // A second delivery would be a new run of the same workflow id: its latest run has closed, and
    // nothing more has arrived.
    expect(await closedWorkflow(webhookDeliveryWorkflowId(eventId, endpoint.id))).toBe('COMPLETED');
    expect(receiver.received).toHaveLength(1);
    expect((await deliveriesOf(key, eventId))[0].attempts).toHaveLength(1);
  });

  test('with TONGBAO_WEBHOOK_ALLOW_PRIVATE off (production), a delivery to a loopback endpoint is refused at connect and logged as address_not_allowed', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint();
    // Registered while this stack allows private endpoints; subscribed to nothing the payment raises,
    // so only the activity below sends to it.
    const endpoint = await registerEndpoint(key, receiver.url, ['refund.failed']);
    const paymentId = await paidPayment(key);
    const [event] = await queryDb<{ id: string }>(
      `select id from events where object_id = $1 and type = 'payment.succeeded'`,
      [paymentId],
    );

    const stack = testStack();
    const db = await openDatabase(stack.database_url, { poolMax: 2 });
    const connection = await Connection.connect({ address: stack.temporal_address });
    try {
      const production = createWebhookActivities({
        db,
        secretBox: new SecretBox(stack.env.TONGBAO_ENCRYPTION_KEY),
        providerEnv: { sandboxUrl: stack.sandbox_url },
        apiUrl: stack.api_url,
        logger: pino({ level: 'silent' }),
        temporal: new Client({ connection, namespace: stack.temporal_namespace, dataConverter: testDataConverter() }),
        taskQueue: stack.temporal_task_queue,
        timeScale: 60,
        webhookAllowPrivate: false,
        alerts: { to: [], locale: 'zh-CN', consoleUrl: stack.web_url },
      });
      const input = { eventId: event.id, webhookEndpointId: endpoint.id };
      await production.openWebhookDelivery(input);
      const outcome = await production.attemptWebhookDelivery({ ...input, number: 1, retryInMs: null });
      expect(outcome).toMatchObject({ delivered: false, statusCode: null, deliveryStatus: 'failed' });
    } finally {
      await connection.close();
      await db.close();
    }
    expect(receiver.received).toHaveLength(0);
    const delivery = (await deliveriesOf(key, event.id)).find((found) => found.webhook_endpoint === endpoint.id);
    expect(delivery?.attempts).toEqual([
      expect.objectContaining({ number: 1, status_code: null, error: 'address_not_allowed' }),
    ]);
  });

  test('an endpoint created with an Idempotency-Key replays its secret, which is stored sealed, never in plain text', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    const idempotencyKey = `we-${Date.now()}`;
    const body = { url: 'https://shop.example/hooks', enabled_events: ['*'] };
    const first = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', body, {
      'Idempotency-Key': idempotencyKey,
    });
    const replay = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', body, {
      'Idempotency-Key': idempotencyKey,
    });
    expect(first.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect(first.body.secret).toMatch(/^whsec_/);
    const [stored] = await queryDb<{ response_body: string }>(
      'select response_body from idempotency_keys where merchant_id = $1 and key = $2',
      [merchantId, idempotencyKey],
    );
    expect(stored.response_body).not.toContain(first.body.secret);
    expect(stored.response_body).not.toContain('whsec_');
  });

  test('bad input is a 400 naming the field, never a 500', async () => {
    const { secretKey: key } = await createTestMerchant();
    const cases: [unknown, string][] = [
      [{ enabled_events: ['payment.succeeded'] }, 'url'],
      [{ url: 'not a url', enabled_events: ['payment.succeeded'] }, 'url'],
      [{ url: 'ftp://shop.example/hooks', enabled_events: ['payment.succeeded'] }, 'url'],
      [{ url: 'https://user:pw@shop.example/hooks', enabled_events: ['payment.succeeded'] }, 'url'],
      [
        { url: 'https://shop.example/hooks', enabled_events: ['payment.succeeded', 'payment.teleported'] },
        'enabled_events[1]',
      ],
      [{ url: 'https://shop.example/hooks', enabled_events: [] }, 'enabled_events'],
      [{ url: 'https://shop.example/hooks', enabled_events: 'payment.succeeded' }, 'enabled_events'],
      [{ url: 'https://shop.example/hooks', enabled_events: ['*', 'payment.failed'] }, 'enabled_events'],
      [{ url: 'https://shop.example/hooks' }, 'enabled_events'],
      [{ url: 'https://shop.example/hooks', enabled_events: ['*'], metadata: { order: 7 } }, 'metadata[order]'],
      [{ url: 'https://shop.example/hooks', enabled_events: ['*'], secret: 'whsec_mine' }, 'secret'],
    ];
    for (const [body, param] of cases) {
      const response = await apiFetch<{ error: { type: string; param: string } }>(
        key,
        'POST',
        '/v1/webhook_endpoints',
        body,
      );
      expect({ body, status: response.status, error: response.body.error }).toMatchObject({
        status: 400,
        error: { type: 'invalid_request_error', param },
      });
    }
    const badType = await apiFetch<{ error: { param: string } }>(key, 'GET', '/v1/events?type=payment.teleported');
    expect(badType.status).toBe(400);
    expect(badType.body.error.param).toBe('type');
    expect((await apiFetch(key, 'GET', '/v1/events/not_an_event')).status).toBe(400);
    const missing = await apiFetch<{ error: { type: string } }>(key, 'GET', '/v1/events/evt_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe('not_found_error');
  });

  test("another merchant's events and endpoints are 404, as if they did not exist", async () => {
    const owner = await createTestMerchant();
    const stranger = await createTestMerchant();
    const receiver = await startEndpoint();
    const endpoint = await registerEndpoint(owner.secretKey, receiver.url, ['payment.succeeded']);
    const strangersEndpoint = await registerEndpoint(stranger.secretKey, (await startEndpoint()).url, ['*']);
    await paidPayment(owner.secretKey);
    await eventually(() => expect(receiver.received).toHaveLength(1));
    const eventId = String(receiver.received[0].headers['tongbao-event-id']);

    for (const [method, url] of [
      ['GET', `/v1/events/${eventId}`],
      ['GET', `/v1/events/${eventId}/deliveries`],
      ['POST', `/v1/events/${eventId}/resend`],
      ['GET', `/v1/webhook_endpoints/${endpoint.id}`],
      ['DELETE', `/v1/webhook_endpoints/${endpoint.id}`],
    ] as const) {
      const response = await apiFetch<{ error: { type: string } }>(stranger.secretKey, method, url);
      expect({ method, url, status: response.status, type: response.body.error?.type }).toEqual({
        method,
        url,
        status: 404,
        type: 'not_found_error',
      });
    }
    expect((await apiFetch<{ data: unknown[] }>(stranger.secretKey, 'GET', '/v1/events')).body.data).toEqual([]);

    // Nor can the owner resend to someone else's endpoint; an endpoint that does not listen to the type is refused by name.
    const foreign = await apiFetch<{ error: { param: string } }>(
      owner.secretKey,
      'POST',
      `/v1/events/${eventId}/resend`,
      { webhook_endpoint: strangersEndpoint.id },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.param).toBe('webhook_endpoint');
    const refundsOnly = await registerEndpoint(owner.secretKey, (await startEndpoint()).url, ['refund.succeeded']);
    const unsubscribed = await apiFetch<{ error: { param: string } }>(
      owner.secretKey,
      'POST',
      `/v1/events/${eventId}/resend`,
      { webhook_endpoint: refundsOnly.id },
    );
    expect(unsubscribed.status).toBe(400);
    expect(unsubscribed.body.error.param).toBe('webhook_endpoint');
    expect((await apiFetch(owner.secretKey, 'GET', `/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(200);
    expect(receiver.received).toHaveLength(1);
  });
});
