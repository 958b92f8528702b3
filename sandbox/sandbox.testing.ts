import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { freePort } from '../runtime/free-port.testing';
import { startSandbox, type RunningSandbox } from './sandbox';

// Helpers for tests that run a sandbox in-process. Not used by the sandbox itself.

export const SANDBOX_TEST_DATABASE_URL =
  process.env.SANDBOX_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tongbao_sandbox_unit';

export interface ControlResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface TestSandbox extends RunningSandbox {
  control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ControlResponse<T>>;
}

/** A sandbox on a free port with the test database; `timeScale` speeds up notification retries. */
export async function startTestSandbox(options: { timeScale?: number; port?: number } = {}): Promise<TestSandbox> {
  const port = options.port ?? (await freePort());
  const sandbox = await startSandbox({
    port,
    databaseUrl: SANDBOX_TEST_DATABASE_URL,
    publicUrl: `http://127.0.0.1:${port}`,
    timeScale: options.timeScale ?? 1,
    logger: pino({ level: process.env.SANDBOX_TEST_LOG_LEVEL ?? 'silent' }),
  });
  return {
    ...sandbox,
    async control<T>(method: string, path: string, body?: unknown): Promise<ControlResponse<T>> {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
  };
}

/** What `POST /_control/accounts {"provider":"alipay"}` answers. */
export interface AlipaySandboxAccount {
  provider: 'alipay';
  app_id: string;
  seller_id: string;
  merchant_private_key: string;
  merchant_public_key: string;
  alipay_public_key: string;
  gateway: string;
  sign_type: 'RSA2';
}

/** `POST /_control/accounts` for `provider`; throws unless the sandbox opened one. */
export async function openSandboxAccount<A>(
  sandbox: TestSandbox,
  provider: string,
  options: Record<string, unknown> = {},
): Promise<A> {
  const response = await sandbox.control<A>('POST', '/_control/accounts', { provider, ...options });
  if (response.status !== 201)
    throw new Error(`opening an account failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export function openAlipayAccount(
  sandbox: TestSandbox,
  options: Record<string, unknown> = {},
): Promise<AlipaySandboxAccount> {
  return openSandboxAccount(sandbox, 'alipay', options);
}

export interface ReceivedRequest {
  at: number;
  method: string;
  /** The request's path, e.g. `/notify/<out_trade_no>`: give each trade its own notify URL to tell them apart. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  form: Record<string, string>;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides each answer; the default answers `success`. `index` counts from 0. */
  respond: (request: ReceivedRequest, index: number) => { status: number; body: string };
  close(): Promise<void>;
}

/** A merchant's notify endpoint: records every request and answers as `respond` says. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    requests: [],
    respond: () => ({ status: 200, body: 'success' }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody,
        form: Object.fromEntries(new URLSearchParams(rawBody)),
      };
      const index = receiver.requests.length;
      receiver.requests.push(request);
      const answer = receiver.respond(request, index);
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** A unique order number per test, so that parallel test files never collide. */
export function newOutTradeNo(prefix = 'T'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
