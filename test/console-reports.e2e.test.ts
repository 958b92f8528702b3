import { cancel, createPayment, pay, refund, type ErrorBody } from './console';
import { queryDb } from './db';
import { adminFetch, apiFetch, createTestMerchant, eventually, testStack } from './stack';

// Stories of the console's overview and CSV exports, through the real API, Temporal (the export's
// workflow), PostgreSQL and the sandbox.

interface Counts {
  count: number;
  succeeded_count: number;
  closed_count: number;
  gross_volume: number;
  success_rate: number | null;
}

interface OverviewBody extends Counts {
  object: string;
  livemode: boolean;
  days: number;
  interval: string;
  start: string;
  end: string;
  by_channel: (Counts & { channel: string })[];
  by_provider: (Counts & { provider: string })[];
  refunds: { count: number; amount: number };
  series: (Counts & { at: string; refunded_amount: number })[];
}

interface ExportBody {
  id: string;
  object: string;
  status: string;
  row_count: number;
  file_url: string | null;
  filters: Record<string, unknown>;
}

describe('the overview', () => {
  let key: string;
  let merchantId: string;

  beforeAll(async () => {
    ({ secretKey: key, merchantId } = await createTestMerchant());
    const paid = await pay(key, await createPayment(key, { amount: 1000 }));
    await pay(key, await createPayment(key, { amount: 2500, channel: 'wechat_native' }));
    await cancel(key, await createPayment(key, { amount: 700 }));
    await createPayment(key, { amount: 900 });
    await refund(key, paid.id, 400);
  });

  test('counts volume, success rate, channels, providers and refunds of the last 24 hours, by hour', async () => {
    const answer = await apiFetch<OverviewBody>(key, 'GET', '/v1/reports/overview?days=1');
    expect(answer.status).toBe(200);
    const overview = answer.body;
    expect(overview).toMatchObject({
      object: 'report_overview',
      livemode: false,
      days: 1,
      interval: 'hour',
      count: 4,
      succeeded_count: 2,
      closed_count: 1,
      gross_volume: 3500,
      // 2 succeeded of the 3 that ended (the open one is left out).
      success_rate: 0.6667,
      refunds: { count: 1, amount: 400 },
    });
    expect(overview.by_channel).toEqual([
      { channel: 'alipay_qr', count: 3, succeeded_count: 1, closed_count: 1, gross_volume: 1000, success_rate: 0.5 },
      { channel: 'wechat_native', count: 1, succeeded_count: 1, closed_count: 0, gross_volume: 2500, success_rate: 1 },
    ]);
    expect(overview.by_provider.map((row) => [row.provider, row.count])).toEqual([
      ['alipay', 3],
      ['wechatpay', 1],
    ]);
    expect(overview.series).toHaveLength(24);
    const hours = overview.series.map((bucket) => new Date(bucket.at).getTime());
    expect(hours.slice(1).map((hour, index) => hour - hours[index])).toEqual(Array(23).fill(3_600_000));
    expect(overview.series.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(4);
    expect(overview.series.reduce((sum, bucket) => sum + bucket.gross_volume, 0)).toBe(3500);
    expect(overview.series.reduce((sum, bucket) => sum + bucket.refunded_amount, 0)).toBe(400);
    // The current hour is the last bucket.
    expect(overview.series.at(-1)!.count).toBeGreaterThan(0);
  });

  test('7 and 30 days come by China day, starting at midnight in China', async () => {
    for (const days of [7, 30]) {
      const overview = (await apiFetch<OverviewBody>(key, 'GET', `/v1/reports/overview?days=${days}`)).body;
      expect(overview).toMatchObject({ days, interval: 'day', count: 4, gross_volume: 3500 });
      expect(overview.series).toHaveLength(days);
      expect(overview.series.every((bucket) => new Date(bucket.at).getUTCHours() === 16)).toBe(true);
      expect(overview.series.at(-1)!.count).toBe(4);
    }
  });

  test('a live key sees only live payments (none), another merchant none of these', async () => {
    const live = await adminFetch<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
      livemode: true,
    });
    const liveOverview = (await apiFetch<OverviewBody>(live.body.secret, 'GET', '/v1/reports/overview?days=30')).body;
    expect(liveOverview).toMatchObject({ livemode: true, count: 0, gross_volume: 0, success_rate: null });
    expect(liveOverview.refunds).toEqual({ count: 0, amount: 0 });
    const other = await createTestMerchant();
    expect((await apiFetch<OverviewBody>(other.secretKey, 'GET', '/v1/reports/overview')).body).toMatchObject({
      days: 7,
      count: 0,
    });
  });

  test.each(['days=2', 'days=', 'days=7&extra=1'])('?%s is refused with a 400 naming the field', async (query) => {
    const refused = await apiFetch<ErrorBody>(key, 'GET', `/v1/reports/overview?${query}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe(query.includes('extra') ? 'extra' : 'days');
  });
});

/** Parses the CSV the export wrote (quoted cells, CRLF lines) back into rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && char === '"') quoted = false;
    else if (quoted || (char !== '"' && char !== ',' && char !== '\r')) cell += char;
    else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else {
      // \r\n ends the row.
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    }
  }
  return rows;
}

async function readyExport(key: string, body: unknown): Promise<ExportBody> {
  const started = await apiFetch<ExportBody>(key, 'POST', '/v1/payment_exports', body);
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ object: 'payment_export' });
  return eventually(
    async () => {
      const current = await apiFetch<ExportBody>(key, 'GET', `/v1/payment_exports/${started.body.id}`);
      expect(current.body.status).toBe('ready');
      return current.body;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

async function download(key: string, exportId: string) {
  const response = await fetch(`${testStack().api_url}/v1/payment_exports/${exportId}/file`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { response, text: await response.text() };
}

describe('a CSV export of filtered payments', () => {
  test('is written by its workflow, escaped against formulas, and downloaded once ready', async () => {
    const { secretKey: key } = await createTestMerchant();
    const paid = await pay(key, await createPayment(key, { amount: 1999, merchant_order_no: '-1|2' }));
    await refund(key, paid.id, 500);
    await createPayment(key, { amount: 800 });

    const exported = await readyExport(key, { status: 'succeeded' });
    expect(exported).toMatchObject({
      row_count: 1,
      file_url: `/v1/payment_exports/${exported.id}/file`,
      filters: { status: 'succeeded', channel: null },
    });
    const { response, text } = await download(key, exported.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="payments-${exported.id}.csv"`);
    // fetch's text() drops the byte order mark; the bytes keep it (checked below by re-reading).
    expect(parseCsv(text)).toEqual([
      [
        'id',
        'created',
        'status',
        'amount',
        'currency',
        'channel',
        'provider',
        'merchant_order_no',
        'provider_trade_no',
        'customer',
        'amount_refunded',
      ],
      [
        paid.id,
        paid.created_at,
        'succeeded',
        '1999',
        'CNY',
        'alipay_qr',
        'alipay',
        "'-1|2",
        paid.provider_trade_no!,
        '',
        '500',
      ],
    ]);
    const bytes = new Uint8Array(
      await (
        await fetch(`${testStack().api_url}/v1/payment_exports/${exported.id}/file`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).arrayBuffer(),
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  test('writes a large set in pages, each payment once, newest first', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    const template = await createPayment(key, { amount: 100 });
    const run = template.id.slice(4, 12);
    // 2,345 payments straight into the table: creating them through the API would take minutes.
    await queryDb(
      `insert into payments (id, merchant_id, livemode, provider_account_id, provider, channel, status, amount, currency,
                             description, out_trade_no, expires_at, created_at)
       select 'pay_b' || $3 || 'n' || n, merchant_id, livemode, provider_account_id, provider, channel, 'succeeded', n, currency,
              'bulk', $2 || n, expires_at, created_at - make_interval(secs => n)
         from payments, generate_series(1, 2345) n where id = $1`,
      [template.id, `tb${merchantId}`, run],
    );
    const exported = await readyExport(key, { 'amount[lte]': 2345, status: 'succeeded' });
    expect(exported.row_count).toBe(2345);
    const rows = parseCsv((await download(key, exported.id)).text).slice(1);
    expect(rows).toHaveLength(2345);
    expect(new Set(rows.map((row) => row[0])).size).toBe(2345);
    expect(rows[0][0]).toBe(`pay_b${run}n1`);
    expect(rows.at(-1)![0]).toBe(`pay_b${run}n2345`);
    expect(
      (
        await queryDb('select number from payment_export_chunks where export_id = $1 order by number', [exported.id])
      ).map((chunk) => chunk.number),
    ).toEqual([0, 1, 2]);
  });

  test('is 409 before it is ready, 404 for another merchant or mode, and 400 naming a bad filter', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    // A pending export, as its row stands before its workflow wrote the file.
    await queryDb(
      `insert into payment_exports (id, merchant_id, livemode, status, filters, created_at) values ('pexp_pending1', $1, false, 'pending', '{}', now())`,
      [merchantId],
    );
    const early = await apiFetch<ErrorBody>(key, 'GET', '/v1/payment_exports/pexp_pending1/file');
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ type: 'conflict_error', code: 'payment_export_not_ready' });
    expect((await apiFetch<ExportBody>(key, 'GET', '/v1/payment_exports/pexp_pending1')).body).toMatchObject({
      status: 'pending',
      file_url: null,
    });

    const other = await createTestMerchant();
    expect((await apiFetch(other.secretKey, 'GET', '/v1/payment_exports/pexp_pending1')).status).toBe(404);
    expect((await apiFetch(other.secretKey, 'GET', '/v1/payment_exports/pexp_pending1/file')).status).toBe(404);
    const live = await adminFetch<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
      livemode: true,
    });
    expect((await apiFetch(live.body.secret, 'GET', '/v1/payment_exports/pexp_pending1')).status).toBe(404);

    for (const [body, param] of [
      [{ status: 'paid' }, 'status'],
      [{ 'amount[gte]': -1 }, 'amount[gte]'],
      [{ 'created[gte]': 'last week' }, 'created[gte]'],
      [{ limit: 5 }, 'limit'],
    ] as const) {
      const refused = await apiFetch<ErrorBody>(key, 'POST', '/v1/payment_exports', body);
      expect({ body, status: refused.status, param: refused.body.error?.param }).toEqual({ body, status: 400, param });
    }
  });
});
