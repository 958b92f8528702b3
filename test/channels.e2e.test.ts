import { apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';
import { queryDb } from './db';

// Every channel of API.md, end to end in test mode: the API, the payment workflow, the provider's
// real SDK or client, and its sandbox. The shopper's step is what the provider's page would need.

type NextAction =
  | { type: 'display_qr_code'; display_qr_code: { data: string } }
  | {
      type: 'redirect_to_url';
      redirect_to_url: { url: string; method: 'GET' | 'POST'; form: Record<string, string> | null };
    }
  | { type: 'wechat_jsapi'; wechat_jsapi: Record<string, string> };

interface Payment {
  id: string;
  status: string;
  provider: string;
  out_trade_no: string;
  next_action: NextAction | null;
}

/** The shopper opens whatever next_action points at, as a browser would; the sandbox then knows the order. */
async function shopperOpens(action: NextAction): Promise<void> {
  if (action.type === 'redirect_to_url') {
    const { url, method, form } = action.redirect_to_url;
    const response =
      method === 'POST'
        ? await fetch(url, { method: 'POST', body: new URLSearchParams(form ?? {}) })
        : await fetch(url);
    expect(response.status).toBe(200);
  } else if (action.type === 'display_qr_code') {
    expect(action.display_qr_code.data).toMatch(/^https?:\/\//);
  } else {
    expect(action.wechat_jsapi.package).toMatch(/^prepay_id=/);
    expect(action.wechat_jsapi.paySign).toBeTruthy();
  }
}

const CHANNELS: {
  channel: string;
  provider: string;
  nextAction: NextAction['type'];
  extra?: Record<string, unknown>;
}[] = [
  { channel: 'alipay_qr', provider: 'alipay', nextAction: 'display_qr_code' },
  { channel: 'alipay_pc', provider: 'alipay', nextAction: 'redirect_to_url' },
  { channel: 'alipay_wap', provider: 'alipay', nextAction: 'redirect_to_url' },
  { channel: 'wechat_native', provider: 'wechatpay', nextAction: 'display_qr_code' },
  {
    channel: 'wechat_jsapi',
    provider: 'wechatpay',
    nextAction: 'wechat_jsapi',
    extra: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  },
  { channel: 'wechat_h5', provider: 'wechatpay', nextAction: 'redirect_to_url', extra: { client_ip: '203.0.113.7' } },
  { channel: 'unionpay_pc', provider: 'unionpay', nextAction: 'redirect_to_url' },
  { channel: 'unionpay_wap', provider: 'unionpay', nextAction: 'redirect_to_url' },
];

let key: string;

beforeAll(async () => {
  ({ secretKey: key } = await createTestMerchant());
});

async function create(channel: (typeof CHANNELS)[number], amount = 2599): Promise<Payment> {
  const response = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: channel.channel,
    description: `Story ${channel.channel}`,
    return_url: 'https://shop.example/done',
    ...channel.extra,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function statusOf(id: string): Promise<string> {
  return (await apiFetch<Payment>(key, 'GET', `/v1/payments/${id}`)).body.status;
}

async function pay(payment: Payment): Promise<void> {
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: payment.provider,
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
}

const sourcesOf = async (id: string) =>
  (
    await queryDb<{ source: string }>('select source from payment_transitions where payment_id = $1 order by id', [id])
  ).map((row) => row.source);

describe.each(CHANNELS)('paying with $channel', (channel) => {
  test('create → the shopper pays in the sandbox → succeeded, by the notification', async () => {
    const payment = await create(channel);
    expect(payment).toMatchObject({ status: 'requires_action', provider: channel.provider });
    expect(payment.next_action?.type).toBe(channel.nextAction);
    await shopperOpens(payment.next_action!);
    await pay(payment);
    await eventually(async () => expect(await statusOf(payment.id)).toBe('succeeded'));
    expect(await sourcesOf(payment.id)).toEqual(['create', 'notification']);
  });
});

const PROVIDERS = ['alipay', 'wechatpay', 'unionpay'].map((provider) => CHANNELS.find((c) => c.provider === provider)!);

describe.each(PROVIDERS)('with $provider', (channel) => {
  async function paidWithFault(notifications: string, extra: Record<string, unknown> = {}): Promise<Payment> {
    const payment = await create(channel);
    await shopperOpens(payment.next_action!);
    const fault = await sandboxControl('POST', '/_control/faults', {
      provider: channel.provider,
      out_trade_no: payment.out_trade_no,
      notifications,
      ...extra,
    });
    expect(fault.status).toBe(201);
    await pay(payment);
    return payment;
  }

  test('when the notification is lost, the query fallback gets succeeded', async () => {
    const payment = await paidWithFault('drop');
    await eventually(async () => expect(await statusOf(payment.id)).toBe('succeeded'), { timeoutMs: 30_000 });
    expect(await sourcesOf(payment.id)).toEqual(['create', 'poll']);
  });

  test('when the notification arrives 5 times, there is one transition and one event', async () => {
    const payment = await paidWithFault('duplicate', { duplicate_count: 5 });
    await eventually(async () => {
      const rows = await queryDb('select outcome from provider_notifications where out_trade_no = $1', [
        payment.out_trade_no,
      ]);
      expect(rows).toHaveLength(5);
    });
    // Stored as signaled once Temporal accepted each signal; the workflow applies them after.
    await eventually(async () => expect(await statusOf(payment.id)).toBe('succeeded'));
    expect(await sourcesOf(payment.id)).toEqual(['create', 'notification']);
    expect(await queryDb('select type from events where object_id = $1', [payment.id])).toEqual([
      { type: 'payment.succeeded' },
    ]);
  });

  test('a forged notification is refused; only the query settles the payment', async () => {
    const payment = await paidWithFault('tamper_signature');
    const [{ provider_account_id: account }] = await queryDb<{ provider_account_id: string }>(
      'select provider_account_id from payments where id = $1',
      [payment.id],
    );
    await eventually(async () => {
      const refused = await queryDb<{ outcome: string }>(
        `select outcome from provider_notifications where provider_account_id = $1 and outcome = 'refused'`,
        [account],
      );
      expect(refused.length).toBeGreaterThan(0);
    });
    await eventually(async () => expect(await statusOf(payment.id)).toBe('succeeded'), { timeoutMs: 30_000 });
    expect(await sourcesOf(payment.id)).toEqual(['create', 'poll']);
  });
});
