/** Webhooks: from a payment's succeeded_at to its signed event reaching a local endpoint. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from '../lib/context';
import { latencySummary } from '../lib/stats';
import { autoPaidMerchant, closedLoop, createPayment, request, sleep } from '../lib/tongbao';
import { DRAIN_MS } from './throughput';

export async function webhooks(ctx: BenchContext, count: number): Promise<Record<string, unknown>> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const event = JSON.parse(body) as { data: { object: { id: string } } };
      received.set(event.data.object.id, Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const merchant = await autoPaidMerchant(ctx.stack, 'webhooks');
    const endpoint = await request('POST', `${ctx.stack.api_url}/v1/webhook_endpoints`, merchant.key, {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
      enabled_events: ['payment.succeeded'],
    });
    if (endpoint.status !== 201) throw new Error(`could not register the endpoint: ${endpoint.status}`);
    const ids: string[] = [];
    await closedLoop(count, 8, async (i) => {
      const answer = await createPayment(ctx.stack.api_url, merchant, i);
      if (answer.status === 201) ids.push(answer.json.id as string);
    });
    const deadline = Date.now() + DRAIN_MS;
    while (ids.some((id) => !received.has(id)) && Date.now() < deadline) await sleep(500);
    const { rows } = await ctx.db.query<{ id: string; succeeded_at: Date }>(
      `select id, succeeded_at from payments where id = any($1::text[]) and succeeded_at is not null`,
      [ids],
    );
    const delays = rows.filter((p) => received.has(p.id)).map((p) => received.get(p.id)! - p.succeeded_at.getTime());
    return {
      payments: ids.length,
      succeeded: rows.length,
      delivered: delays.length,
      succeeded_to_delivered_ms: latencySummary(delays),
    };
  } finally {
    server.close();
  }
}
