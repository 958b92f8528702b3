/**
 * The running test stack, as tests see it: its description (written by global-setup.ts to
 * .tongbao/test/stack.json) and small helpers to talk to the API and the sandbox.
 *
 *   const { secretKey } = await createTestMerchant();
 *   const created = await apiFetch(secretKey, 'POST', '/v1/payments', { amount: 100, … });
 *   await sandboxControl('POST', '/_control/pay', { provider: 'alipay', out_trade_no, outcome: 'success' });
 *   await eventually(async () => expect((await apiFetch(secretKey, 'GET', `/v1/payments/${id}`)).body).toMatchObject({ status: 'succeeded' }));
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { eventually as pollUntil } from '../sandbox/sandbox.testing';
import { tongbaoDataConverter } from '../temporal/payload-codec';

/** The shape of stack.json; scripts/stack.mjs documents it at the top. */
export interface StackInfo {
  mode: 'dev' | 'test';
  started_at: string;
  api_url: string;
  sandbox_url: string;
  /** The hosted checkout (web/): shoppers pay at `<it>/pay/<cs_id>`. */
  web_url: string;
  temporal_address: string;
  /** Where Temporal keeps its state (scripts/temporal.mjs): a test stack's default is memory. */
  temporal_store: 'memory' | 'sqlite' | 'postgres';
  temporal_namespace: string;
  temporal_task_queue: string;
  temporal_ui_url: string;
  /** The Web UI's codec endpoint (temporal/codec-server.ts): decrypts payloads for support staff. */
  codec_url: string;
  /** The worker's Prometheus metrics (temporal/worker-metrics.ts): loopback, no token. */
  worker_metrics_url: string;
  kratos_public_url: string;
  kratos_admin_url: string;
  database_url: string;
  admin_token: string;
  demo_merchant: { id: string; test_secret_key: string } | null;
  /** Process ids by name: runner, temporal, kratos, sandbox, worker, api, web. */
  processes: Record<string, number>;
  logs_dir: string | null;
  /** The environment every app process got; spawn another worker with it. */
  env: Record<string, string>;
}

/**
 * Which hermetic test stack this run uses: its data dir is .tongbao/<name> and its databases
 * tongbao_<name>…, so two runs on one machine (two checkouts, or CI beside a developer) can each
 * have their own with TONGBAO_TEST_STACK_NAME.
 */
export const TEST_STACK_NAME = process.env.TONGBAO_TEST_STACK_NAME ?? 'test';

export const STACK_FILE = path.resolve(__dirname, '..', '.tongbao', TEST_STACK_NAME, 'stack.json');

let cached: StackInfo | undefined;

export function testStack(): StackInfo {
  if (!cached) {
    if (!fs.existsSync(STACK_FILE)) {
      throw new Error(
        `${STACK_FILE} does not exist: no test stack is running. jest's globalSetup starts one unless ` +
          'TONGBAO_TEST_STACK=off; with that set, start one first with `node scripts/stack.mjs --test`.',
      );
    }
    cached = JSON.parse(fs.readFileSync(STACK_FILE, 'utf8')) as StackInfo;
  }
  return cached;
}

/** A response read whole: the parsed JSON body (or the text, when it is not JSON). */
export interface FetchResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function request<T>(
  baseUrl: string,
  method: Method,
  urlPath: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<FetchResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${urlPath}`, {
    method,
    headers: { ...headers, ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  }).catch((error: unknown) => {
    // undici's own message is only "fetch failed"; what failed is in its cause.
    throw new Error(`${method} ${baseUrl}${urlPath}: ${describeFetchFailure(error)}`, { cause: error });
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (an HTML page, "success" for Alipay): keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = [cause?.code, cause?.message].filter(Boolean).join(' ');
  return `${error instanceof Error ? error.message : String(error)}${detail ? ` (${detail})` : ''}`;
}

/** Calls the API with a merchant's secret key. */
export function apiFetch<T = unknown>(
  key: string,
  method: Method,
  urlPath: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<FetchResult<T>> {
  return request<T>(testStack().api_url, method, urlPath, { token: key, body, headers });
}

/** Calls the API as the platform admin (TONGBAO_ADMIN_TOKEN). */
export function adminFetch<T = unknown>(
  method: Method,
  urlPath: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<FetchResult<T>> {
  return request<T>(testStack().api_url, method, urlPath, { token: testStack().admin_token, body, headers });
}

/** Calls the sandbox's control API (`/_control/…`), as a test plays the shopper or the provider. */
export function sandboxControl<T = unknown>(method: Method, urlPath: string, body?: unknown): Promise<FetchResult<T>> {
  return request<T>(testStack().sandbox_url, method, urlPath, { body });
}

let merchantCount = 0;

/** A new merchant of its own for a test, so tests never see each other's objects. */
export async function createTestMerchant(
  name = `Test merchant ${process.pid}-${++merchantCount}`,
): Promise<{ merchantId: string; secretKey: string }> {
  const created = await adminFetch<{ merchant?: { id: string }; test_secret_key?: string }>(
    'POST',
    '/v1/admin/merchants',
    { name },
  );
  if (created.status !== 201 && created.status !== 200) {
    throw new Error(`POST /v1/admin/merchants answered ${created.status}: ${created.text}`);
  }
  const { merchant, test_secret_key: secretKey } = created.body;
  if (!merchant?.id || !secretKey)
    throw new Error(`POST /v1/admin/merchants returned no merchant id or key: ${created.text}`);
  return { merchantId: merchant.id, secretKey };
}

/**
 * Runs `fn` until it stops throwing (an `expect` that passes) and returns its result; after
 * `timeoutMs`, rethrows its last error. Stories go through the whole stack, so they poll less
 * often and wait longer than the sandbox's own tests.
 */
export function eventually<T>(fn: () => Promise<T> | T, { timeoutMs = 15_000, intervalMs = 200 } = {}): Promise<T> {
  return pollUntil(fn, { timeoutMs, intervalMs });
}

/** The stack's payload encryption (TONGBAO_PAYLOAD_KEY): every Temporal client of a test needs it to read results. */
export function testDataConverter(): DataConverter {
  return tongbaoDataConverter(testStack().env.TONGBAO_PAYLOAD_KEY);
}
