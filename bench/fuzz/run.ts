/**
 * The fuzz run: N requests, each a seed request (seeds.ts) spoiled by one to three mutations
 * (mutations.ts), sent with fixed concurrency and checked (check.ts); then the API must still
 * answer and the sentinel objects must read as before. Request i depends only on the seed and i,
 * so `--seed S --only i` sends the very request again (against fresh fixtures).
 */
import { performance } from 'node:perf_hooks';
import { apiErrorsSince, markApiLog } from './api-log';
import { problemOf } from './check';
import { createFixtures, type Fixtures, type FuzzStack } from './fixtures';
import { mutate } from './mutations';
import { Random } from '../random';
import { encodeRequest, sendRaw, type RawRequest, type RawResponse } from './raw-http';
import { seedDraft, type Draft } from './seeds';

export interface FuzzOptions {
  count: number;
  seed: number;
  concurrency: number;
  /** Send only request number `only` of the sequence (a replay). */
  only?: number;
  timeoutMs?: number;
  /** Progress lines (the CLI prints them; tests stay quiet). */
  log?: (line: string) => void;
}

export interface Failure {
  index: number;
  route: string;
  mutations: string[];
  problem: string;
  status: number | null;
  /** The request as written on the wire (a long body cut), JSON-escaped. */
  request: string;
  response: string;
}

type StatusClass = '2xx' | '3xx' | '4xx' | '429' | '5xx' | 'no answer';

export interface FuzzReport {
  seed: number;
  requests: number;
  seconds: number;
  statusClasses: Record<StatusClass, number>;
  perRoute: Record<string, Record<StatusClass, number>>;
  latencyMs: { p50: number; p99: number; max: number };
  /** The request behind the max: a long wait is worth a look even when the answer was right. */
  slowest: { index: number; route: string; mutations: string[]; ms: number } | null;
  failures: Failure[];
  /** Problems found after the run: the API not answering, a sentinel object changed, an error it logged. */
  afterRun: string[];
  /** Whether the API's log was read for errors: only a stack that writes it to a file (a test stack) has one. */
  apiLogRead: boolean;
}

const STATUS_CLASSES: StatusClass[] = ['2xx', '3xx', '4xx', '429', '5xx', 'no answer'];

function statusClass(status: number | null): StatusClass {
  if (status === null) return 'no answer';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/** Percent-encodes UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser would send it). */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

export function render(draft: Draft): RawRequest {
  const query = draft.query.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
  const headers = [...draft.headers];
  let body: Buffer | null = null;
  if (draft.body?.kind === 'json') {
    body = Buffer.from(JSON.stringify(draft.body.value) ?? '');
    headers.push(['Content-Type', 'application/json']);
  } else if (draft.body?.kind === 'form') {
    body = Buffer.from(new URLSearchParams(draft.body.fields).toString());
    headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  } else if (draft.body?.kind === 'raw') {
    body = draft.body.bytes;
    if (draft.body.contentType !== null) headers.push(['Content-Type', draft.body.contentType]);
  }
  if (draft.chunked) {
    const { size, end, withLength } = draft.chunked;
    const whole = body ?? Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for (let at = 0; at < whole.length; at += size) {
      const chunk = whole.subarray(at, at + size);
      chunks.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    }
    body = Buffer.concat([...chunks, Buffer.from(end)]);
    headers.push(['Transfer-Encoding', 'chunked']);
    if (withLength) headers.push(['Content-Length', String(whole.length)]);
  }
  return { method: draft.method, target: `/${draft.segments.join('/')}${query ? `?${query}` : ''}`, headers, body };
}

/**
 * At most `limit` requests a minute per key, for the routes the API rate-limits per account or per
 * session (api/rate-limit.ts): the fuzzer stays under them rather than being answered 429 all run.
 */
class Pacer {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly limit: number) {}

  async admit(key: string): Promise<void> {
    for (;;) {
      const recent = (this.sent.get(key) ?? []).filter((at) => at > Date.now() - 60_000);
      if (recent.length < this.limit) {
        recent.push(Date.now());
        this.sent.set(key, recent);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, recent[0] + 60_000 - Date.now() + 5));
    }
  }
}

/** The key a request is paced under, if its route is limited per account or session. */
function paceKey(draft: Draft): string | null {
  if (draft.family === 'notify' || draft.family === 'checkout') return `${draft.family}:${draft.segments[2] ?? ''}`;
  return null;
}

/**
 * Callers spread over 127.0.2.1–127.0.5.250 when the API is on this machine, so that the per-IP
 * limits of the public routes see many callers (tests of those limits use other addresses).
 */
function localAddressFor(apiUrl: URL, index: number): string | undefined {
  if (!['127.0.0.1', 'localhost'].includes(apiUrl.hostname)) return undefined;
  const n = index % 1000;
  return `127.0.${2 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

function describeRequest(request: RawRequest, apiUrl: URL): string {
  const wire = encodeRequest(
    request.body && request.body.length > 2000
      ? {
          ...request,
          body: Buffer.concat([request.body.subarray(0, 2000), Buffer.from(`…(${request.body.length} bytes)`)]),
        }
      : request,
    apiUrl.host,
  ).toString('utf8');
  return JSON.stringify(wire.length > 6000 ? `${wire.slice(0, 6000)}…` : wire);
}

/** The objects the run must leave as they were, read with the keys that own them. */
async function readSentinels(stack: FuzzStack, f: Fixtures): Promise<Record<string, string>> {
  const read = async (key: string, path: string) => {
    const response = await fetch(`${stack.api_url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return `${response.status} ${await response.text()}`;
  };
  const entries: [string, string][] = [
    [`sentinel payment ${f.sentinel.paymentId}`, await read(f.sentinel.key, `/v1/payments/${f.sentinel.paymentId}`)],
    [`sentinel refund ${f.sentinel.refundId}`, await read(f.sentinel.key, `/v1/refunds/${f.sentinel.refundId}`)],
    [
      `sentinel customer ${f.sentinel.customerId}`,
      await read(f.sentinel.key, `/v1/customers/${f.sentinel.customerId}`),
    ],
  ];
  for (const provider of f.providers)
    entries.push([
      `${provider.provider} payment ${provider.paymentId} (its notification replayed)`,
      await read(f.key, `/v1/payments/${provider.paymentId}`),
    ]);
  return Object.fromEntries(entries);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

export async function runFuzz(stack: FuzzStack, options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const apiUrl = new URL(stack.api_url);
  log(`fuzz: seed ${options.seed}; setting up fixtures…`);
  const fixtures = await createFixtures(stack);
  try {
    const before = await readSentinels(stack, fixtures);
    const apiLog = markApiLog(stack.logs_dir);
    /** Each answer's Request-Id, to the request it answered: the API's log names requests by it. */
    const answered = new Map<string, { index: number; route: string }>();
    const random = new Random(options.seed);
    const pacer = new Pacer(100);
    const statusClasses = Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as Record<StatusClass, number>;
    const perRoute: FuzzReport['perRoute'] = {};
    const latencies: number[] = [];
    let slowest: FuzzReport['slowest'] = null;
    const failures: Failure[] = [];
    let next = 0;
    let sent = 0;
    const started = performance.now();

    const worker = async () => {
      while (next < options.count) {
        const index = next++;
        // Every request is drawn in index order, whether it is sent or not: request i is the same
        // in a replay that sends only it.
        const draft = seedDraft(fixtures, random);
        mutate(draft, random, fixtures);
        if (options.only !== undefined && index !== options.only) continue;
        const request = render(draft);
        const key = paceKey(draft);
        // A burst sends the same request several times at once: races must not answer 5xx either.
        await Promise.all(
          Array.from({ length: draft.copies ?? 1 }, async (_, copy) => {
            if (key) await pacer.admit(key);
            let response: RawResponse | null = null;
            let problem: string | null;
            try {
              response = await sendRaw(apiUrl, request, {
                localAddress: localAddressFor(apiUrl, index + copy),
                timeoutMs: options.timeoutMs ?? 60_000,
              });
              problem = problemOf(draft, response);
              latencies.push(response.ms);
              const requestId = response.headers['request-id'];
              if (requestId) answered.set(requestId, { index, route: draft.route });
              if (!slowest || response.ms > slowest.ms)
                slowest = { index, route: draft.route, mutations: draft.mutations, ms: Math.round(response.ms) };
            } catch (error) {
              problem = `no answer: ${(error as Error).message}`;
            }
            sent++;
            const cls = statusClass(response?.status ?? null);
            statusClasses[cls]++;
            perRoute[draft.route] ??= Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as Record<
              StatusClass,
              number
            >;
            perRoute[draft.route][cls]++;
            if (problem)
              failures.push({
                index,
                route: draft.route,
                mutations: draft.mutations,
                problem,
                status: response?.status ?? null,
                request: describeRequest(request, apiUrl),
                response: response ? JSON.stringify(response.body.toString('utf8').slice(0, 600)) : '',
              });
          }),
        );
        if (index % 1000 === 999) log(`fuzz: ${sent} requests, ${failures.length} failures`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;

    const afterRun: string[] = [];
    const health = await fetch(`${stack.api_url}/healthz`).catch((error: Error) => error);
    if (health instanceof Error || health.status !== 200)
      afterRun.push(
        `the API does not answer /healthz after the run: ${health instanceof Error ? health.message : health.status}`,
      );
    const after = await readSentinels(stack, fixtures);
    for (const [what, text] of Object.entries(before))
      if (after[what] !== text) afterRun.push(`${what} changed:\n  before ${text}\n  after  ${after[what]}`);
    if (apiLog)
      for (const { requestId, message } of apiErrorsSince(apiLog, new Set(answered.keys()))) {
        const request = answered.get(requestId);
        afterRun.push(
          `the API logged an error for request #${request?.index} ${request?.route} (${requestId}): ${message}`,
        );
      }

    latencies.sort((a, b) => a - b);
    return {
      seed: options.seed,
      requests: sent,
      seconds: Math.round(seconds * 10) / 10,
      statusClasses,
      perRoute,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.round(latencies[latencies.length - 1] ?? Number.NaN),
      },
      slowest,
      failures,
      afterRun,
      apiLogRead: apiLog !== null,
    };
  } finally {
    await fixtures.close();
  }
}

/** The report as people read it. */
export function formatReport(report: FuzzReport, count: number, maxFailures = 20): string {
  const lines: string[] = [];
  const width = Math.max(...Object.keys(report.perRoute).map((route) => route.length), 5);
  const row = (name: string, cells: (string | number)[]) =>
    `${name.padEnd(width)} ${cells.map((cell) => String(cell).padStart(10)).join('')}`;
  lines.push(row('route', ['requests', ...STATUS_CLASSES]));
  for (const [route, classes] of Object.entries(report.perRoute).sort(([a], [b]) => a.localeCompare(b))) {
    const total = STATUS_CLASSES.reduce((sum, c) => sum + classes[c], 0);
    lines.push(row(route, [total, ...STATUS_CLASSES.map((c) => classes[c])]));
  }
  lines.push(row('all', [report.requests, ...STATUS_CLASSES.map((c) => report.statusClasses[c])]));
  lines.push(
    `\n${report.requests} requests in ${report.seconds} s (${Math.round(report.requests / report.seconds)}/s); ` +
      `latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms; seed ${report.seed}`,
  );
  if (report.slowest)
    lines.push(
      `slowest: #${report.slowest.index} ${report.slowest.route} [${report.slowest.mutations.join('; ') || 'unmutated'}] ` +
        `${report.slowest.ms} ms (npm run fuzz -- --seed ${report.seed} --count ${count} --only ${report.slowest.index})`,
    );
  const byProblem = new Map<string, number>();
  for (const { problem } of report.failures) byProblem.set(problem, (byProblem.get(problem) ?? 0) + 1);
  for (const [problem, count] of byProblem) lines.push(`${String(count).padStart(6)} × ${problem}`);
  for (const failure of report.failures.slice(0, maxFailures)) {
    lines.push(
      `\nFAIL #${failure.index} ${failure.route} [${failure.mutations.join('; ') || 'unmutated'}]: ${failure.problem}`,
      `  request:  ${failure.request}`,
      `  response: ${failure.status ?? 'none'} ${failure.response}`,
      `  replay:   npm run fuzz -- --seed ${report.seed} --count ${count} --only ${failure.index}`,
    );
  }
  if (report.failures.length > maxFailures) lines.push(`\n… and ${report.failures.length - maxFailures} more failures`);
  for (const problem of report.afterRun) lines.push(`\nAFTER THE RUN: ${problem}`);
  if (!report.apiLogRead) lines.push("\n(the API's log was not read for errors: this stack writes it to its terminal)");
  lines.push(
    report.failures.length + report.afterRun.length === 0
      ? `\nfuzz: no answer ≥ 500, every error in API.md's format, the API still up, the sentinels unchanged${report.apiLogRead ? ', no error in its log' : ''}`
      : `\nfuzz: ${report.failures.length} failing requests, ${report.afterRun.length} problems after the run`,
  );
  return lines.join('\n');
}
