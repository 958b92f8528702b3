/**
 * `npm run chaos`: payments under faults against a running stack (its stack.json: `--stack <file>`,
 * default .tongbao/stack.json), then a check of the books. Issue 10, "Chaos and fuzz".
 *
 * While N payments (default 2,000) go through every channel, a share left unpaid to expire or be
 * canceled and a share refunded (some twice with one Idempotency-Key, some in two parts):
 * - the worker is SIGKILLed `--kill-every` seconds (20) after it last came back (the stack restarts it), and the Temporal
 *   dev server once (the stack restarts it on its SQLite file);
 * - the sandbox drops 30 % of the notifications, duplicates 20 % and fails 5 % of the provider API
 *   calls (fault rules scoped to the run's merchant, removed when the payments are all sent);
 * - the merchant's webhook endpoint (a receiver in this process) answers 10 % of deliveries 503,
 *   at most twice per event (so the third attempt, 2.5 min after the first, settles it: the
 *   schedule's next gap is 10 min).
 * Then it waits (bounded, with progress) until everything settles and checks, from PostgreSQL, the
 * sandbox and the receiver: each payment in the terminal state its script implies, no double
 * transition, the events each payment must have, every event delivered with a 2xx, refunds at the
 * sandbox equal to ours, and a reconciliation run per provider account finding nothing. It prints a
 * table and exits 1 when any figure is off.
 *
 *   npm run chaos -- [--stack .tongbao/stack.json] [--payments 2000] [--concurrency 32]
 *                    [--kill-every 20] [--seed 1] [--settle-timeout 1200]
 *
 * The merchant sees what a real one would: 5xx answers and broken connections while the worker or
 * Temporal is down, retried with the same Idempotency-Key (API.md: always safe).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';

export interface ChaosOptions {
  stackFile: string;
  payments: number;
  concurrency: number;
  killEverySeconds: number;
  seed: number;
  settleTimeoutSeconds: number;
  /** Progress lines; the test collects them. */
  log: (line: string) => void;
}

interface StackInfo {
  api_url: string;
  sandbox_url: string;
  admin_token: string;
  database_url: string;
  processes: Record<string, number>;
}

type Fate = 'paid' | 'refunded' | 'refunded_in_parts' | 'canceled' | 'expired';

interface Script {
  index: number;
  channel: Channel;
  fate: Fate;
  amount: number;
  id?: string;
  provider?: string;
  outTradeNo?: string;
  /** What the payment must end with. */
  expected?: { status: string; refunded: number; refunds: number };
  /** Why its script could not be played to the end (a request never answered). */
  error?: string;
}

const CHANNELS = [
  { channel: 'alipay_qr' },
  { channel: 'alipay_pc' },
  { channel: 'alipay_wap' },
  { channel: 'wechat_native' },
  { channel: 'wechat_jsapi', extra: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
  { channel: 'wechat_h5', extra: { client_ip: '203.0.113.7' } },
  { channel: 'unionpay_pc' },
  { channel: 'unionpay_wap' },
] as const;
type Channel = (typeof CHANNELS)[number];

/** The share of payments each fate gets, in this order. */
const FATES: [Fate, number][] = [
  ['paid', 0.55],
  ['refunded', 0.15],
  ['refunded_in_parts', 0.1],
  ['canceled', 0.1],
  ['expired', 0.1],
];
/** Unpaid payments that must expire do so after the API's minimum. */
const EXPIRES_IN_SECONDS = 60;
const WEBHOOK_FAILURE_RATE = 0.1;
const WEBHOOK_FAILURES_PER_EVENT = 2;
/** How long one request is retried while the stack is down (the worker restarting, Temporal too). */
const REQUEST_PATIENCE_MS = 180_000;

/** mulberry32: the run's decisions come from `--seed`, so a run can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Counters of what the merchant side saw, for the table; `stalled` ends the run (one run per process). */
const seen = { retriedAnswers: 0, brokenConnections: 0, stalled: null as string | null };
/** A child the runner killed must be back by then (the stack's backoff is 30 s at most), or the run stops. */
const RESTART_PATIENCE_MS = 90_000;

async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  { token, body, key }: { token?: string; body?: unknown; key?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as T };
}

/**
 * A request retried, with the same Idempotency-Key, while it gets no answer, a 5xx, a 429 or a 409
 * (the first request with that key still running) — until `accept` likes the answer.
 */
async function patiently<T = Record<string, unknown>>(
  what: string,
  send: () => Promise<Answer<T>>,
  accept: (answer: Answer<T>) => boolean = (answer) => answer.status < 300,
  patienceMs = REQUEST_PATIENCE_MS,
): Promise<Answer<T>> {
  const deadline = Date.now() + patienceMs;
  let wait = 250;
  for (;;) {
    if (seen.stalled) throw new Error(`${what}: abandoned: ${seen.stalled}`);
    let last: string;
    try {
      const answer = await send();
      if (accept(answer)) return answer;
      const refused = answer.status >= 500 || answer.status === 429 || answer.status === 409;
      // A 2xx that `accept` does not like yet (a status still moving) is asked again.
      if (!refused && answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
      if (refused) seen.retriedAnswers++;
      last = `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    } catch (error) {
      if (!(error instanceof TypeError) && !(error instanceof DOMException)) throw error;
      seen.brokenConnections++;
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`${what}: still failing after ${patienceMs / 1000} s: ${last}`);
    await delay(wait);
    wait = Math.min(wait * 2, 5_000);
  }
}

/** The merchant's webhook endpoint: verifies signatures, answers some deliveries 503, logs everything. */
class WebhookReceiver {
  readonly answers: { eventId: string; status: number; at: number }[] = [];
  readonly badSignatures: string[] = [];
  secret = '';
  private failures = new Map<string, number>();
  private server: Server;

  constructor(private readonly random: () => number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const eventId = String(req.headers['tongbao-event-id'] ?? '');
        if (!this.verify(raw, String(req.headers['tongbao-signature'] ?? ''))) this.badSignatures.push(eventId);
        const failed = this.failures.get(eventId) ?? 0;
        const status = failed < WEBHOOK_FAILURES_PER_EVENT && this.random() < WEBHOOK_FAILURE_RATE ? 503 : 200;
        if (status !== 200) this.failures.set(eventId, failed + 1);
        this.answers.push({ eventId, status, at: Date.now() });
        res.writeHead(status).end();
      });
    });
  }

  private verify(raw: string, header: string): boolean {
    const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
    if (!parts.t || !parts.v1) return false;
    const expected = createHmac('sha256', this.secret).update(`${parts.t}.${raw}`).digest();
    const given = Buffer.from(parts.v1, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/tongbao`;
  }

  delivered(): Set<string> {
    return new Set(this.answers.filter((answer) => answer.status === 200).map((answer) => answer.eventId));
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** The shopper opens what next_action points at, as a browser would: then the provider knows the order. */
async function shopperOpens(nextAction: Record<string, unknown> | null): Promise<void> {
  const redirect = nextAction?.redirect_to_url as
    { url: string; method: 'GET' | 'POST'; form: Record<string, string> | null } | undefined;
  if (!redirect) return;
  await patiently('the shopper opening the pay page', async () => {
    const response = await fetch(redirect.url, {
      method: redirect.method,
      body: redirect.method === 'POST' ? new URLSearchParams(redirect.form ?? {}) : undefined,
    });
    await response.arrayBuffer();
    return { status: response.status, body: {} };
  });
}

function readStack(file: string): StackInfo {
  return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
}

export interface ChaosRow {
  check: string;
  value: number;
  expected: number;
  ok: boolean;
}

export interface ChaosResult {
  ok: boolean;
  rows: ChaosRow[];
  figures: Record<string, number | string>;
  problems: string[];
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const stack = readStack(options.stackFile);
  const random = seeded(options.seed);
  const run = `chaos${options.seed}-${Date.now().toString(36)}`;
  Object.assign(seen, { retriedAnswers: 0, brokenConnections: 0, stalled: null });
  const started = Date.now();
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, `${stack.api_url}${path}`, { token: stack.admin_token, body });
  const sandbox = (method: string, path: string, body?: unknown) =>
    call(method, `${stack.sandbox_url}${path}`, { body });
  const db = new Client({ connectionString: stack.database_url });
  await db.connect();
  const receiver = new WebhookReceiver(seeded(options.seed + 1));
  const problems: string[] = [];
  const faultIds: string[] = [];
  const removeFaults = async () => {
    for (const id of faultIds.splice(0)) await sandbox('DELETE', `/_control/faults/${id}`).catch(() => undefined);
  };
  // Ctrl-C leaves the stack as it found it: no fault rule stays behind.
  const onSignal = () => void removeFaults().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // 1. A merchant of its own (the API opens its sandbox accounts), its endpoint, the faults.
    const merchant = await patiently('creating the merchant', () =>
      admin('POST', '/v1/admin/merchants', { name: `Chaos ${run}` }),
    );
    const merchantId = (merchant.body.merchant as { id: string }).id;
    const key = merchant.body.test_secret_key as string;
    const endpoint = await patiently('registering the webhook endpoint', async () =>
      call('POST', `${stack.api_url}/v1/webhook_endpoints`, {
        token: key,
        body: { url: await receiver.listen(), enabled_events: ['*'] },
        key: `${run}-endpoint`,
      }),
    );
    receiver.secret = endpoint.body.secret as string;
    const accounts = (
      await db.query<{ id: string; provider: string; external_id: string }>(
        'select id, provider, external_id from provider_accounts where merchant_id = $1',
        [merchantId],
      )
    ).rows;
    for (const account of accounts) {
      const rule = await sandbox('POST', '/_control/faults', {
        provider: account.provider,
        account: account.external_id,
        notifications: { drop: 0.3, duplicate: 0.2 },
        api: { fail: 'http_500', rate: 0.05 },
      });
      if (rule.status !== 201) throw new Error(`the sandbox refused a fault rule: ${JSON.stringify(rule.body)}`);
      faultIds.push(rule.body.id as string);
    }
    log(
      `chaos ${run}: merchant ${merchantId}, ${options.payments} payments, concurrency ${options.concurrency}, ` +
        `worker killed every ${options.killEverySeconds} s`,
    );

    // 2. The payments, with the worker and Temporal killed meanwhile.
    const scripts: Script[] = Array.from({ length: options.payments }, (_, index) => {
      let draw = random();
      const fate = FATES.find(([, share]) => (draw -= share) < 0)?.[0] ?? 'paid';
      return { index, channel: CHANNELS[index % CHANNELS.length], fate, amount: 100 + Math.floor(random() * 20_000) };
    });
    const chaos = startChaos(options, () => scripts.filter((s) => s.id).length / scripts.length);
    let next = 0;
    let done = 0;
    const progress = setInterval(() => log(`  ${done}/${scripts.length} scripts played`), 15_000);
    try {
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < scripts.length) {
            const script = scripts[next++];
            await play(script, { stack, key, run }).catch((error: unknown) => {
              script.error = error instanceof Error ? error.message : String(error);
            });
            done++;
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const chaosDone = await chaos.stop();
    if (seen.stalled) throw new Error(`chaos run stopped: ${seen.stalled}`);
    const loadSeconds = (Date.now() - started) / 1000;
    for (const script of scripts.filter((s) => s.error)) problems.push(`payment #${script.index}: ${script.error}`);
    log(`  all scripts played in ${loadSeconds.toFixed(0)} s; faults removed; waiting for the books to settle`);

    // 3. No more faults: wait until everything has settled (or the bound passed).
    await removeFaults();
    const settleStarted = Date.now();
    const played = scripts.filter((s) => s.id && s.expected);
    await waitForSettling({ db, merchantId, played, receiver, options });
    const settleSeconds = (Date.now() - settleStarted) / 1000;

    // 4. The books.
    const rows = await check({ db, merchantId, scripts, played, receiver, stack, accounts, admin, problems, log });
    const seconds = (Date.now() - started) / 1000;
    const figures = {
      payments: scripts.length,
      fates: FATES.map(([fate]) => `${fate} ${scripts.filter((s) => s.fate === fate).length}`).join(', '),
      worker_kills: chaosDone.workerKills,
      temporal_restarts: chaosDone.temporalRestarts,
      webhook_answers: receiver.answers.length,
      webhook_503s: receiver.answers.filter((a) => a.status !== 200).length,
      merchant_retried_5xx_409_429: seen.retriedAnswers,
      merchant_broken_connections: seen.brokenConnections,
      load_seconds: Math.round(loadSeconds),
      settle_seconds: Math.round(settleSeconds),
      total_seconds: Math.round(seconds),
      payments_per_second: Math.round((scripts.length / loadSeconds) * 100) / 100,
    };
    return { ok: rows.every((row) => row.ok), rows, figures, problems };
  } finally {
    await removeFaults();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    receiver.close();
    await db.end();
  }
}

/** One payment's script: create, then pay and refund, cancel, or leave it to expire. */
async function play(script: Script, { stack, key, run }: { stack: StackInfo; key: string; run: string }) {
  const api = (method: string, path: string, body: unknown, idempotencyKey: string) =>
    patiently(`${method} ${path} (#${script.index})`, () =>
      call(method, `${stack.api_url}${path}`, { token: key, body, key: idempotencyKey }),
    );
  const created = await api(
    'POST',
    '/v1/payments',
    {
      amount: script.amount,
      currency: 'CNY',
      channel: script.channel.channel,
      description: `Chaos ${script.index}`,
      merchant_order_no: `${run}-${script.index}`,
      return_url: 'https://shop.example/done',
      ...(script.fate === 'expired' ? { expires_in: EXPIRES_IN_SECONDS } : {}),
      ...('extra' in script.channel ? script.channel.extra : {}),
    },
    `${run}-${script.index}-create`,
  );
  script.id = created.body.id as string;
  script.provider = created.body.provider as string;
  script.outTradeNo = created.body.out_trade_no as string;
  if (created.body.status === 'failed') {
    // Its create failed at the provider for good: that is its end, and it must stay so.
    script.expected = { status: 'failed', refunded: 0, refunds: 0 };
    return;
  }
  await shopperOpens(created.body.next_action as Record<string, unknown> | null);

  if (script.fate === 'expired') {
    script.expected = { status: 'expired', refunded: 0, refunds: 0 };
    return;
  }
  if (script.fate === 'canceled') {
    await api('POST', `/v1/payments/${script.id}/cancel`, {}, `${run}-${script.index}-cancel`);
    script.expected = { status: 'canceled', refunded: 0, refunds: 0 };
    return;
  }
  await patiently(`paying #${script.index} in the sandbox`, () =>
    call('POST', `${stack.sandbox_url}/_control/pay`, {
      body: { provider: script.provider, out_trade_no: script.outTradeNo, outcome: 'success' },
    }),
  );
  if (script.fate === 'paid') {
    script.expected = { status: 'succeeded', refunded: 0, refunds: 0 };
    return;
  }
  // A refund needs the payment succeeded in our books: with its notification dropped, the poll gets it.
  await patiently(
    `waiting for #${script.index} to succeed`,
    () => call('GET', `${stack.api_url}/v1/payments/${script.id}`, { token: key }),
    (answer) => answer.status === 200 && answer.body.status === 'succeeded',
    // Its polls come 60, 180, 420 and 720 s after the create.
    900_000,
  );
  const refund = (amount: number | undefined, name: string) =>
    api('POST', '/v1/refunds', { payment: script.id, ...(amount ? { amount } : {}) }, `${run}-${script.index}-${name}`);
  if (script.fate === 'refunded') {
    // Sent twice with one key, as a merchant whose first answer was lost: one refund.
    const [first, again] = await Promise.all([refund(undefined, 'refund'), refund(undefined, 'refund')]);
    if (first.body.id !== again.body.id) throw new Error(`one Idempotency-Key answered two refunds`);
    script.expected = { status: 'succeeded', refunded: script.amount, refunds: 1 };
    return;
  }
  const part = Math.floor(script.amount / 3);
  await refund(part, 'refund-1');
  await refund(part, 'refund-1');
  await refund(part, 'refund-2');
  script.expected = { status: 'succeeded', refunded: 2 * part, refunds: 2 };
}

/** SIGKILLs the worker every interval (once it is back), and the Temporal server once, at 40 % of the payments. */
function startChaos(options: ChaosOptions, share: () => number) {
  let stopped = false;
  let workerKills = 0;
  let temporalRestarts = 0;
  let lastKilled = 0;
  let killedAt = 0;
  const kill = (name: string): number | null => {
    const pid = readStack(options.stackFile).processes[name];
    try {
      process.kill(pid, 'SIGKILL');
      return pid;
    } catch {
      return null; // gone already
    }
  };
  const loop = (async () => {
    let nextKill = Date.now() + options.killEverySeconds * 1000;
    while (!stopped && !seen.stalled) {
      await delay(250);
      if (temporalRestarts === 0 && share() >= 0.4) {
        if (kill('temporal')) {
          temporalRestarts++;
          options.log(`  Temporal dev server SIGKILLed (the stack restarts it on its SQLite file)`);
        }
      }
      // The stack writes the new pid once the new worker answers: the interval counts from then.
      if (readStack(options.stackFile).processes.worker === lastKilled) {
        if (Date.now() - killedAt > RESTART_PATIENCE_MS)
          seen.stalled = `the worker did not come back within ${RESTART_PATIENCE_MS / 1000} s of its SIGKILL: does the stack restart dead children?`;
        nextKill = Date.now() + options.killEverySeconds * 1000;
        continue;
      }
      if (Date.now() < nextKill) continue;
      const pid = kill('worker');
      if (pid) {
        lastKilled = pid;
        killedAt = Date.now();
        workerKills++;
        options.log(`  worker ${pid} SIGKILLed (${workerKills})`);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { workerKills, temporalRestarts };
    },
  };
}

interface SettleInput {
  db: Client;
  merchantId: string;
  played: Script[];
  receiver: WebhookReceiver;
  options: ChaosOptions;
}

/** What is still moving: payments not yet where their script leads, refunds and deliveries not final, events not received. */
async function unsettled({ db, merchantId, played, receiver }: Omit<SettleInput, 'options'>) {
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

async function waitForSettling(input: SettleInput): Promise<void> {
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

interface CheckInput {
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

const TERMINAL_PAYMENT = ['succeeded', 'failed', 'canceled', 'expired'];
const TERMINAL_REFUND = ['succeeded', 'failed', 'canceled'];

async function check(input: CheckInput): Promise<ChaosRow[]> {
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

function parseArgs(argv: string[]): ChaosOptions {
  const value = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
  };
  const number = (name: string, fallback: number) => {
    const parsed = Number(value(name, String(fallback)));
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number`);
    return parsed;
  };
  return {
    stackFile: value('stack', '.tongbao/stack.json'),
    payments: number('payments', 2000),
    concurrency: number('concurrency', 32),
    killEverySeconds: number('kill-every', 20),
    seed: number('seed', 1),
    settleTimeoutSeconds: number('settle-timeout', 1200),
    log: (line) => console.log(line),
  };
}

if (require.main === module) {
  runChaos(parseArgs(process.argv.slice(2)))
    .then((result) => {
      console.log(`\n${formatTable(result)}`);
      process.exit(result.ok ? 0 : 1);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
