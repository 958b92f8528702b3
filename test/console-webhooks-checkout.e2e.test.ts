// The console's Developers and Checkout pages, end to end through the real API, Temporal, PostgreSQL
// and the sandbox: webhook endpoints updated, disabled, their secret rolled, their delivery log;
// checkout sessions listed; coupons and tax rates archived.
import { createHmac } from 'node:crypto';
import { apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';
import { startEndpoint, type Received } from './webhook-receiver';

interface EndpointBody {
  id: string;
  url: string;
  enabled_events: string[];
  description: string | null;
  status: string;
  previous_secret_expires_at: string | null;
  secret?: string;
}

interface DeliveryBody {
  event: string;
  webhook_endpoint: string;
  status: string;
  attempts: { number: number; status_code: number | null }[];
}

interface ErrorBody {
  error: { code: string; param: string | null; message: string };
}

/** A shopper pays an Alipay QR payment in the sandbox; its payment.succeeded event follows. */
async function paidPayment(key: string): Promise<string> {
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 1880,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Pu-erh cake',
  });
  expect(created.status).toBe(201);
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: created.body.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  return created.body.id;
}

/** The v1= signatures of a delivery's Tongbao-Signature header, and what each must equal for a secret. */
function signatures(request: Received): { all: string[]; of: (secret: string) => string } {
  const header = String(request.headers['tongbao-signature']);
  const t = /^t=(\d+),/.exec(header)![1];
  return {
    all: header.split(',').flatMap((part) => (part.startsWith('v1=') ? [part.slice(3)] : [])),
    of: (secret) => createHmac('sha256', secret).update(`${t}.${request.body}`).digest('hex'),
  };
}

describe('webhook endpoints in the console', () => {
  test('an endpoint is updated and disabled (then gets nothing), enabled again, and its delivery log lists each event newest first, paged', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint();
    const created = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', {
      url: 'http://127.0.0.1:9/unused',
      enabled_events: ['refund.succeeded'],
    });
    expect(created.body.status).toBe('enabled');
    const id = created.body.id;

    const updated = await apiFetch<EndpointBody>(key, 'POST', `/v1/webhook_endpoints/${id}`, {
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
      description: 'Orders',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
      description: 'Orders',
    });
    expect(updated.text).not.toContain('whsec_');

    const first = await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(1), { timeoutMs: 30_000 });
    expect(JSON.parse(receiver.received[0].body).data.object.id).toBe(first);

    const disabled = await apiFetch<EndpointBody>(key, 'POST', `/v1/webhook_endpoints/${id}`, { disabled: true });
    expect(disabled.body.status).toBe('disabled');
    const unsent = await paidPayment(key);
    // The payment's event exists (so its dispatch has run) and a second, enabled endpoint got it; this one did not.
    const events = await eventually(
      async () => {
        const listed = await apiFetch<{ data: { id: string; data: { object: { id: string } } }[] }>(
          key,
          'GET',
          '/v1/events?type=payment.succeeded',
        );
        const event = listed.body.data.find((one) => one.data.object.id === unsent);
        expect(event).toBeDefined();
        return listed.body.data;
      },
      { timeoutMs: 30_000 },
    );
    const unsentEvent = events.find((one) => one.data.object.id === unsent)!;
    const resend = await apiFetch<ErrorBody>(key, 'POST', `/v1/events/${unsentEvent.id}/resend`, {
      webhook_endpoint: id,
    });
    expect(resend.status).toBe(400);
    expect(resend.body.error).toMatchObject({ code: 'webhook_endpoint_disabled', param: 'webhook_endpoint' });

    await apiFetch(key, 'POST', `/v1/webhook_endpoints/${id}`, { disabled: false });
    const third = await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(2), { timeoutMs: 30_000 });
    expect(JSON.parse(receiver.received[1].body).data.object.id).toBe(third);
    expect(receiver.received.map((one) => JSON.parse(one.body).data.object.id)).not.toContain(unsent);

    const log = await eventually(async () => {
      const page = await apiFetch<{ data: DeliveryBody[]; has_more: boolean }>(
        key,
        'GET',
        `/v1/webhook_endpoints/${id}/deliveries?limit=1`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data[0]).toMatchObject({ webhook_endpoint: id, status: 'delivered' });
      return page.body;
    });
    expect(log.has_more).toBe(true);
    expect(log.data[0].attempts).toEqual([expect.objectContaining({ number: 1, status_code: 200 })]);
    const next = await apiFetch<{ data: DeliveryBody[]; has_more: boolean }>(
      key,
      'GET',
      `/v1/webhook_endpoints/${id}/deliveries?limit=10&starting_after=${log.data[0].event}`,
    );
    expect(next.body.has_more).toBe(false);
    expect(next.body.data).toHaveLength(1);
    expect(next.body.data[0].event).not.toBe(log.data[0].event);
    const unknown = await apiFetch<ErrorBody>(
      key,
      'GET',
      `/v1/webhook_endpoints/${id}/deliveries?starting_after=evt_nope`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('starting_after');
  }, 120_000);

  test('a rolled secret is shown once; during the grace deliveries carry both signatures, after a roll without grace only the new one', async () => {
    const { secretKey: key } = await createTestMerchant();
    const receiver = await startEndpoint();
    const created = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', {
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
    });
    const oldSecret = created.body.secret!;
    const rolled = await apiFetch<EndpointBody>(key, 'POST', `/v1/webhook_endpoints/${created.body.id}/roll_secret`, {
      expires_in: 3600,
    });
    expect(rolled.status).toBe(200);
    const newSecret = rolled.body.secret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rolled.body.previous_secret_expires_at).not.toBeNull();
    const read = await apiFetch<EndpointBody>(key, 'GET', `/v1/webhook_endpoints/${created.body.id}`);
    expect(read.body.secret).toBeUndefined();

    await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(1), { timeoutMs: 30_000 });
    const during = signatures(receiver.received[0]);
    expect(during.all).toEqual([during.of(newSecret), during.of(oldSecret)]);

    const again = await apiFetch<EndpointBody>(key, 'POST', `/v1/webhook_endpoints/${created.body.id}/roll_secret`);
    expect(again.body.previous_secret_expires_at).toBeNull();
    await paidPayment(key);
    await eventually(() => expect(receiver.received).toHaveLength(2), { timeoutMs: 30_000 });
    const after = signatures(receiver.received[1]);
    expect(after.all).toEqual([after.of(again.body.secret!)]);

    const bad = await apiFetch<ErrorBody>(key, 'POST', `/v1/webhook_endpoints/${created.body.id}/roll_secret`, {
      expires_in: 8 * 24 * 3600,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('expires_in');
  }, 120_000);

  test('bad updates are 400s naming the field; another merchant gets 404', async () => {
    const { secretKey: key } = await createTestMerchant();
    const other = await createTestMerchant();
    const created = await apiFetch<EndpointBody>(key, 'POST', '/v1/webhook_endpoints', {
      url: 'https://shop.example/hooks',
      enabled_events: ['*'],
    });
    const path = `/v1/webhook_endpoints/${created.body.id}`;
    const bad: [unknown, string][] = [
      [{ url: 'ftp://shop.example/' }, 'url'],
      [{ enabled_events: [] }, 'enabled_events'],
      [{ enabled_events: ['payment.exploded'] }, 'enabled_events[0]'],
      [{ disabled: 'yes' }, 'disabled'],
      [{ secret: 'whsec_mine' }, 'secret'],
    ];
    for (const [body, param] of bad) {
      const response = await apiFetch<ErrorBody>(key, 'POST', path, body);
      expect({ body, status: response.status, param: response.body.error?.param }).toEqual({
        body,
        status: 400,
        param,
      });
    }
    expect((await apiFetch(other.secretKey, 'POST', path, { disabled: true })).status).toBe(404);
    expect((await apiFetch(other.secretKey, 'POST', `${path}/roll_secret`)).status).toBe(404);
    expect((await apiFetch(other.secretKey, 'GET', `${path}/deliveries`)).status).toBe(404);
    expect((await apiFetch<EndpointBody>(key, 'GET', path)).body.status).toBe('enabled');
  });
});

describe('checkout in the console', () => {
  const sessionBody = (extra: Record<string, unknown> = {}) => ({
    currency: 'CNY',
    line_items: [{ name: 'Tea cup', quantity: 2, unit_amount: 1500 }],
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
    ...extra,
  });

  test('sessions are listed newest first, filtered by status as they read now, paged by cursor', async () => {
    const { secretKey: key } = await createTestMerchant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await apiFetch<{ id: string }>(key, 'POST', '/v1/checkout/sessions', sessionBody());
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    await apiFetch(key, 'POST', `/v1/checkout/sessions/${ids[0]}/expire`);

    type SessionList = { data: { id: string; status: string; url: string }[]; has_more: boolean };
    const all = await apiFetch<SessionList>(key, 'GET', '/v1/checkout/sessions');
    expect(all.status).toBe(200);
    expect(all.body.data.map((one) => one.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(all.body.data[0].url).toContain(`/pay/${ids[2]}`);
    const open = await apiFetch<SessionList>(key, 'GET', '/v1/checkout/sessions?status=open');
    expect(open.body.data.map((one) => one.id)).toEqual([ids[2], ids[1]]);
    const expired = await apiFetch<SessionList>(key, 'GET', '/v1/checkout/sessions?status=expired');
    expect(expired.body.data.map((one) => [one.id, one.status])).toEqual([[ids[0], 'expired']]);

    const page1 = await apiFetch<SessionList>(key, 'GET', '/v1/checkout/sessions?limit=2');
    expect(page1.body).toMatchObject({ has_more: true });
    const page2 = await apiFetch<SessionList>(key, 'GET', `/v1/checkout/sessions?limit=2&starting_after=${ids[1]}`);
    expect(page2.body.data.map((one) => one.id)).toEqual([ids[0]]);
    expect(page2.body.has_more).toBe(false);

    const other = await createTestMerchant();
    expect((await apiFetch<SessionList>(other.secretKey, 'GET', '/v1/checkout/sessions')).body.data).toEqual([]);
    const foreignCursor = await apiFetch<ErrorBody>(
      other.secretKey,
      'GET',
      `/v1/checkout/sessions?starting_after=${ids[1]}`,
    );
    expect(foreignCursor.status).toBe(400);
    expect(foreignCursor.body.error.param).toBe('starting_after');
    const badStatus = await apiFetch<ErrorBody>(key, 'GET', '/v1/checkout/sessions?status=paid');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.param).toBe('status');
  });

  test('an archived coupon or tax rate cannot be used by a new session (400 naming the field); sessions made before still show them', async () => {
    const { secretKey: key } = await createTestMerchant();
    const rate = await apiFetch<{ id: string; active: boolean }>(key, 'POST', '/v1/tax_rates', {
      display_name: 'VAT',
      percentage: 13,
      inclusive: false,
    });
    expect(rate.body.active).toBe(true);
    const coupon = await apiFetch<{ code: string; active: boolean }>(key, 'POST', '/v1/coupons', {
      code: 'SPRING10',
      percent_off: 10,
    });
    expect(coupon.body.active).toBe(true);
    const withBoth = sessionBody({
      line_items: [{ name: 'Tea cup', quantity: 2, unit_amount: 1500, tax_rate: rate.body.id }],
      discounts: [{ coupon: 'SPRING10' }],
    });
    const before = await apiFetch<{ id: string; amount_total: number }>(key, 'POST', '/v1/checkout/sessions', withBoth);
    expect(before.status).toBe(201);

    const archivedRate = await apiFetch<{ active: boolean }>(key, 'POST', `/v1/tax_rates/${rate.body.id}`, {
      active: false,
    });
    expect(archivedRate.status).toBe(200);
    expect(archivedRate.body.active).toBe(false);
    const refusedRate = await apiFetch<ErrorBody>(key, 'POST', '/v1/checkout/sessions', withBoth);
    expect(refusedRate.status).toBe(400);
    expect(refusedRate.body.error).toMatchObject({ code: 'tax_rate_inactive', param: 'line_items[0][tax_rate]' });

    const archivedCoupon = await apiFetch<{ active: boolean }>(key, 'POST', '/v1/coupons/SPRING10', { active: false });
    expect(archivedCoupon.body.active).toBe(false);
    const refusedCoupon = await apiFetch<ErrorBody>(
      key,
      'POST',
      '/v1/checkout/sessions',
      sessionBody({ discounts: [{ coupon: 'SPRING10' }] }),
    );
    expect(refusedCoupon.status).toBe(400);
    expect(refusedCoupon.body.error).toMatchObject({ code: 'coupon_inactive', param: 'discounts[0][coupon]' });

    // The session made before keeps its lines, its coupon and its totals.
    const old = await apiFetch<{
      amount_total: number;
      discounts: { coupon: { code: string } }[];
      line_items: { tax_rate: { id: string } | null }[];
    }>(key, 'GET', `/v1/checkout/sessions/${before.body.id}`);
    expect(old.body.amount_total).toBe(before.body.amount_total);
    expect(old.body.discounts[0].coupon.code).toBe('SPRING10');
    expect(old.body.line_items[0].tax_rate?.id).toBe(rate.body.id);
    const listed = await apiFetch<{ data: { code: string; active: boolean }[] }>(key, 'GET', '/v1/coupons');
    expect(listed.body.data).toEqual([expect.objectContaining({ code: 'SPRING10', active: false })]);

    // Brought back, it works again.
    await apiFetch(key, 'POST', '/v1/coupons/SPRING10', { active: true });
    expect(
      (await apiFetch(key, 'POST', '/v1/checkout/sessions', sessionBody({ discounts: [{ coupon: 'SPRING10' }] })))
        .status,
    ).toBe(201);

    const bad: [string, unknown, number, string][] = [
      [`/v1/tax_rates/${rate.body.id}`, { active: 'no' }, 400, 'active'],
      [`/v1/tax_rates/${rate.body.id}`, { percentage: 5 }, 400, 'percentage'],
      ['/v1/tax_rates/txr_nope', { active: false }, 404, 'id'],
      ['/v1/coupons/NOPE', { active: false }, 404, 'id'],
      ['/v1/coupons/bad%20code', { active: false }, 400, 'code'],
    ];
    for (const [path, body, status, param] of bad) {
      const response = await apiFetch<ErrorBody>(key, 'POST', path, body);
      expect({ path, status: response.status, param: response.body.error?.param }).toEqual({ path, status, param });
    }
  });
});
