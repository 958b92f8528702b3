import { queryDb } from './db';
import { consoleFetch, staffSession } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';
import { startEndpoint } from './webhook-receiver';

// A merchant whose server was down asks the platform for what it missed: the admin sees the
// endpoint's deliveries and sends the event again (Jeepay's "merchant notifications … resend").

interface Delivery {
  event: string;
  webhook_endpoint: string;
  status: string;
  attempt_count: number;
}
interface ErrorBody {
  error: { code: string; param: string | null };
}

/** A merchant with an endpoint refusing its first `refusals` requests, and one payment.succeeded sent to it. */
async function missedEvent(refusals: number) {
  const { secretKey: key } = await createTestMerchant();
  const receiver = await startEndpoint((n) => (n <= refusals ? 500 : 200));
  const endpoint = await apiFetch<{ id: string }>(key, 'POST', '/v1/webhook_endpoints', {
    url: receiver.url,
    enabled_events: ['payment.succeeded'],
  });
  expect(endpoint.status).toBe(201);
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 1880,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Pu-erh cake',
  });
  expect(created.status).toBe(201);
  await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: created.body.out_trade_no,
    outcome: 'success',
  });
  await eventually(() => expect(receiver.received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 30_000 });
  const eventId = String(receiver.received[0].headers['tongbao-event-id']);
  return { endpointId: endpoint.body.id, eventId, receiver };
}

test("an admin reads a merchant's endpoint's deliveries and resends the event it missed; it arrives once more", async () => {
  const { endpointId, eventId, receiver } = await missedEvent(1);
  const support = await staffSession('support');

  const deliveries = await eventually(async () => {
    const answer = await consoleFetch<{ data: Delivery[] }>(
      support.session,
      'GET',
      `/v1/admin/webhook_endpoints/${endpointId}/deliveries`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data[0]?.attempt_count).toBeGreaterThanOrEqual(1);
    return answer.body.data;
  });
  expect(deliveries.map((delivery) => [delivery.event, delivery.webhook_endpoint])).toEqual([[eventId, endpointId]]);

  const before = receiver.received.length;
  const resent = await consoleFetch<{ data: Delivery[] }>(
    support.session,
    'POST',
    `/v1/admin/events/${eventId}/resend`,
    {
      body: { webhook_endpoint: endpointId },
    },
  );
  expect(resent.status).toBe(200);
  expect(resent.body.data.map((delivery) => delivery.webhook_endpoint)).toEqual([endpointId]);
  await eventually(() => expect(receiver.received.length).toBeGreaterThan(before), { timeoutMs: 10_000 });
  expect(JSON.parse(receiver.received.at(-1)!.body).id).toBe(eventId);

  const [entry] = await queryDb<{ actor_email: string; object_id: string; route: string }>(
    `select actor_email, object_id, route from audit_log where action = 'event.resend' and object_id = $1`,
    [eventId],
  );
  expect(entry).toEqual({ actor_email: support.person.email, object_id: eventId, route: '/admin/events/:id/resend' });
});

test('a viewer may read deliveries but not resend; unknown and malformed ids are named', async () => {
  const { endpointId, eventId } = await missedEvent(0);
  const viewer = await staffSession('viewer');
  expect(
    (await consoleFetch(viewer.session, 'GET', `/v1/admin/webhook_endpoints/${endpointId}/deliveries`)).status,
  ).toBe(200);
  const refused = await consoleFetch<ErrorBody>(viewer.session, 'POST', `/v1/admin/events/${eventId}/resend`, {
    body: {},
  });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('role_forbidden');

  const unknown = await adminFetch<ErrorBody>('POST', '/v1/admin/events/evt_doesnotexist/resend', {});
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ code: 'resource_missing', param: 'id' });
  const malformed = await adminFetch<ErrorBody>('GET', '/v1/admin/webhook_endpoints/nope/deliveries');
  expect(malformed.status).toBe(400);
  expect(malformed.body.error).toMatchObject({ code: 'parameter_invalid', param: 'id' });
  const foreign = await adminFetch<ErrorBody>('POST', `/v1/admin/events/${eventId}/resend`, {
    webhook_endpoint: 'we_notthemerchants',
  });
  expect(foreign.status).toBe(404);
});
