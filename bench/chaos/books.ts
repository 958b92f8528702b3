// After a chaos run: waiting for the books to settle, then checking them against the scripts, the sandbox and reconciliation.
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from 'pg';
import { call, patiently } from './merchant-http';
import type { Answer, ChaosOptions, ChaosResult, ChaosRow, Script, StackInfo } from './model';
import type { WebhookReceiver } from './webhook-receiver';

export interface SettleInput {
  db: Client;
  merchantId: string;
  played: Script[];
  receiver: WebhookReceiver;
  options: ChaosOptions;
}

/** What is still moving: payments not yet where their script leads, refunds and deliveries not final, events not received. */
export async function unsettled({ db, merchantId, played, receiver }: Omit<SettleInput, 'options'>) {
  const payments = new Map(
    (
      await db.query<{ id: string; status: string; amount_refunded: string }>(
        'select id, status, amount_refunded from payments where merchant_id = $1',
        [merchantId],
      )
    ).rows.map((row) => [row.id, row]),
  );
  const paymentsOff = played.filter((s) => {
    const row = payments.get(s.id!);
    return !row || row.status !== s.expected!.status || Number(row.amount_refunded) !== s.expected!.refunded;
  }).length;
  const [{ count: refundsOpen }] = (
    await db.query<{ count: string }>(
      `select count(*) from refunds where merchant_id = $1 and status not in ('succeeded', 'failed', 'canceled')`,
      [merchantId],
    )
  ).rows;
  const events = (await db.query<{ id: string }>('select id from events where merchant_id = $1', [merchantId])).rows;
  const delivered = receiver.delivered();
  const undelivered = events.filter((event) => !delivered.has(event.id)).length;
  return { paymentsOff, refundsOpen: Number(refundsOpen), undelivered };
}

export async function waitForSettling(input: SettleInput): Promise<void> {
  const deadline = Date.now() + input.options.settleTimeoutSeconds * 1000;
  let lastLog = 0;
  for (;;) {
    const state = await unsettled(input);
    const settled = state.paymentsOff === 0 && state.refundsOpen === 0 && state.undelivered === 0;
    if (settled || Date.now() > deadline) {
      input.options.log(`  ${settled ? 'settled' : 'gave up waiting'}: ${JSON.stringify(state)}`);
      return;
    }
    if (Date.now() - lastLog > 15_000) {
      input.options.log(
        `  settling: ${state.paymentsOff} payments not yet in their end state, ${state.refundsOpen} refunds open, ` +
          `${state.undelivered} events not yet delivered`,
      );
      lastLog = Date.now();
    }
    await delay(2_000);
  }
}

export interface CheckInput {
  db: Client;
  merchantId: string;
  scripts: Script[];
  played: Script[];
  receiver: WebhookReceiver;
  stack: StackInfo;
  accounts: { id: string; provider: string; external_id: string }[];
  admin: (method: string, path: string, body?: unknown) => Promise<Answer>;
  problems: string[];
  log: (line: string) => void;
}

export const TERMINAL_PAYMENT = ['succeeded', 'failed', 'canceled', 'expired'];
export const TERMINAL_REFUND = ['succeeded', 'failed', 'canceled'];

export async function check(input: CheckInput): Promise<ChaosRow[]> {
  const { db, merchantId, scripts, played, receiver, problems } = input;
  const note = (what: string) => problems.length < 50 && problems.push(what);
  const rows: ChaosRow[] = [];
  const row = (check: string, value: number, expected = 0) =>
    rows.push({ check, value, expected, ok: value === expected });

  // Payments where their script leads.
  const payments = new Map(
    (
      await db.query<{ id: string; status: string; amount_refunded: string }>(
        'select id, status, amount_refunded from payments where merchant_id = $1',
        [merchantId],
      )
    ).rows.map((r) => [r.id, r]),
  );
  let right = 0;
  for (const script of played) {
    const got = payments.get(script.id!);
    const want = script.expected!;
    if (got && got.status === want.status && Number(got.amount_refunded) === want.refunded) right++;
    else
      note(
        `${script.id} (#${script.index}, ${script.channel.channel}, ${script.fate}): ` +
          `${got?.status} refunded ${got?.amount_refunded}, expected ${want.status} refunded ${want.refunded}`,
      );
  }
  row('payments in the right terminal state', right, scripts.length);
  row('payments whose script failed (no answer)', scripts.length - played.length);
  row('payments that ended failed', played.filter((s) => s.expected!.status === 'failed').length);

  // Double transitions: a from→to twice, or two terminal states for one object.
  const doubled = (
    await db.query<{ object: string }>(
      `select payment_id as object from payment_transitions t join payments p on p.id = t.payment_id
        where p.merchant_id = $1 group by payment_id, from_status, to_status having count(*) > 1
       union all
       select payment_id from payment_transitions t join payments p on p.id = t.payment_id
        where p.merchant_id = $1 and to_status = any($2) group by payment_id having count(*) > 1
       union all
       select refund_id from refund_transitions t join refunds r on r.id = t.refund_id
        where r.merchant_id = $1 group by refund_id, attempt, from_status, to_status having count(*) > 1
       union all
       select refund_id from refund_transitions t join refunds r on r.id = t.refund_id
        where r.merchant_id = $1 and to_status = any($3) group by refund_id having count(*) > 1`,
      [merchantId, TERMINAL_PAYMENT, TERMINAL_REFUND],
    )
  ).rows;
  for (const d of doubled) note(`double transition: ${d.object}`);
  row('double transitions', doubled.length);

  // Events: each payment's own, one per state reached, and one refund.succeeded per refund.
  const refunds = (
    await db.query<{ id: string; payment_id: string; status: string; amount: string; out_refund_no: string }>(
      'select id, payment_id, status, amount, out_refund_no from refunds where merchant_id = $1',
      [merchantId],
    )
  ).rows;
  const events = (
    await db.query<{ id: string; type: string; object_id: string }>(
      'select id, type, object_id from events where merchant_id = $1',
      [merchantId],
    )
  ).rows;
  const eventsOf = new Map<string, string[]>();
  const refundPayment = new Map(refunds.map((r) => [r.id, r.payment_id]));
  for (const event of events) {
    const paymentId = refundPayment.get(event.object_id) ?? event.object_id;
    eventsOf.set(paymentId, [...(eventsOf.get(paymentId) ?? []), event.type]);
  }
  let eventsWrong = 0;
  for (const script of played) {
    const want = script.expected!;
    const expected = [`payment.${want.status}`, ...Array<string>(want.refunds).fill('refund.succeeded')].sort();
    const got = (eventsOf.get(script.id!) ?? []).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      eventsWrong++;
      note(`${script.id} (#${script.index}): events ${got.join(', ')}; expected ${expected.join(', ')}`);
    }
  }
  row('payments with wrong events', eventsWrong);
  row(
    'events (all)',
    events.length,
    played.reduce((sum, s) => sum + 1 + s.expected!.refunds, 0),
  );

  // Webhooks: every event reached the endpoint with a 2xx, signed.
  const delivered = receiver.delivered();
  const missing = events.filter((event) => !delivered.has(event.id));
  for (const event of missing.slice(0, 10)) note(`event ${event.id} (${event.type}) never delivered with a 2xx`);
  row('webhooks delivered', events.length - missing.length, events.length);
  row('webhooks with a bad signature', new Set(receiver.badSignatures).size);
  const [{ count: notDelivered }] = (
    await db.query<{ count: string }>(
      `select count(*) from webhook_deliveries d join events e on e.id = d.event_id
        where e.merchant_id = $1 and d.status <> 'delivered'`,
      [merchantId],
    )
  ).rows;
  row('webhook deliveries not marked delivered', Number(notDelivered));

  // Refunds: ours per payment as scripted, and the sandbox's the same (none twice).
  let refundsDoubled = 0;
  const refundsByPayment = new Map<string, typeof refunds>();
  for (const r of refunds) refundsByPayment.set(r.payment_id, [...(refundsByPayment.get(r.payment_id) ?? []), r]);
  for (const script of played.filter((s) => s.fate === 'refunded' || s.fate === 'refunded_in_parts')) {
    const ours = (refundsByPayment.get(script.id!) ?? []).filter((r) => r.status === 'succeeded');
    const trade = await patiently(`the sandbox's trade of #${script.index}`, () =>
      call<{ amount_refunded: number; refunds: unknown[] }>(
        'GET',
        `${input.stack.sandbox_url}/_control/trades/${script.provider}/${script.outTradeNo}`,
      ),
    );
    const oursAmount = ours.reduce((sum, r) => sum + Number(r.amount), 0);
    const theirs = trade.body;
    if (
      ours.length > script.expected!.refunds ||
      theirs.refunds.length !== ours.length ||
      theirs.amount_refunded !== oursAmount
    ) {
      refundsDoubled++;
      note(
        `${script.id} (#${script.index}): ${ours.length} refunds of ${oursAmount} here, ` +
          `${theirs.refunds.length} of ${theirs.amount_refunded} at the sandbox`,
      );
    }
  }
  row('refunds doubled or differing from the sandbox', refundsDoubled);

  // Reconciliation of today's statement, per provider account.
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  let discrepancies = 0;
  for (const account of input.accounts) {
    const answer = await patiently(`reconciling ${account.provider}`, () =>
      input.admin('POST', '/v1/admin/reconciliation_runs', { provider_account: account.id, date: today }),
    );
    let summary = answer.body as { status: string; discrepancies: number; error: string | null };
    for (let i = 0; summary.status === 'running' && i < 120; i++) {
      await delay(1_000);
      const runs = await input.admin('GET', `/v1/admin/reconciliation_runs?provider_account=${account.id}&limit=1`);
      summary = (runs.body.data as (typeof summary)[])[0] ?? summary;
    }
    if (summary.status !== 'completed')
      note(`reconciliation of ${account.provider}: ${summary.status} ${summary.error ?? ''}`);
    discrepancies += summary.discrepancies ?? 0;
  }
  row('reconciliation discrepancies', discrepancies);
  input.log(`  reconciliation of ${today}: ${discrepancies} discrepancies over ${input.accounts.length} accounts`);
  return rows;
}

export function formatTable(result: ChaosResult): string {
  const width = Math.max(...result.rows.map((r) => r.check.length));
  const lines = result.rows.map(
    (r) =>
      `${r.check.padEnd(width)}  ${String(r.value).padStart(6)}  ${`(expected ${r.expected})`.padEnd(16)} ${r.ok ? 'ok' : 'OFF'}`,
  );
  const figures = Object.entries(result.figures).map(([name, value]) => `  ${name}: ${value}`);
  const problems = result.problems.map((p) => `  - ${p}`);
  return [
    ...lines,
    '',
    'figures:',
    ...figures,
    ...(problems.length ? ['', 'problems (first 50):', ...problems] : []),
    '',
    result.ok ? 'chaos: everything in order' : 'chaos: SOMETHING IS OFF',
  ].join('\n');
}
