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
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { Random } from './random';
import { check, formatTable, waitForSettling } from './chaos/books';
import { call, patiently, RESTART_PATIENCE_MS, seen } from './chaos/merchant-http';
import { CHANNELS, FATES, type ChaosOptions, type ChaosResult, type Script, type StackInfo } from './chaos/model';
import { WebhookReceiver } from './chaos/webhook-receiver';

export { formatTable };
export type { ChaosOptions, ChaosResult, ChaosRow } from './chaos/model';

/** Unpaid payments that must expire do so after the API's minimum. */
const EXPIRES_IN_SECONDS = 60;
/**
 * The others get the API's maximum: the test stack divides timers by 60, so the default 15 minutes
 * are 15 s, and a cancel or a payment held up by the worker kills could lose the race to expiry.
 */
const NEVER_EXPIRES_IN_SECONDS = 86_400;

/** The run's decisions come from `--seed`, so a run can be repeated. */
function seeded(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
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
      expires_in: script.fate === 'expired' ? EXPIRES_IN_SECONDS : NEVER_EXPIRES_IN_SECONDS,
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
