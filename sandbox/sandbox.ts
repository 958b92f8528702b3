import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { AccountStore } from './accounts';
import { createAlipaySimulator } from './alipay/alipay.simulator';
import { createAliyunSimulator } from './aliyun/aliyun.simulator';
import { controlRoutes } from './control.routes';
import { openDatabase } from './db';
import { ControlError } from './errors';
import { FaultStore } from './faults';
import { Notifier } from './notifier';
import type { ProviderSimulator, SimulatorContext, SimulatorFactory } from './simulator';
import { StatementEditStore } from './statements';
import { TradeTimers } from './trade-timers';
import { TradeStore } from './trades';
import { createUnionpaySimulator } from './unionpay/unionpay.simulator';
import { createWechatpaySimulator } from './wechatpay/wechatpay.simulator';

/** One line per provider. */
const SIMULATORS: Record<string, SimulatorFactory> = {
  alipay: createAlipaySimulator,
  wechatpay: createWechatpaySimulator,
  unionpay: createUnionpaySimulator,
  aliyun: createAliyunSimulator,
};

export interface SandboxOptions {
  port: number;
  /** Interface to listen on; 127.0.0.1 unless told. */
  host?: string;
  databaseUrl: string;
  /** The base URL browsers and SDKs use to reach the sandbox; it goes into gateway and buyer-page URLs. */
  publicUrl: string;
  /** Provider delays (notification retries, relative timeouts) are divided by this; 1 is real time. */
  timeScale: number;
  logger?: Logger;
}

export interface RunningSandbox {
  /** Where this process listens, e.g. `http://127.0.0.1:8090`. */
  url: string;
  close(): Promise<void>;
}

/** Paths that may hold key material; pino replaces them so that no log line carries a private key. */
export const SANDBOX_LOG_REDACT = [
  'secrets',
  '*.secrets',
  '*.merchant_private_key',
  '*.platform_private_key',
  '*.privateKey',
  '*.access_key_secret',
  'access_key_secret',
  'merchant_private_key',
  'platform_private_key',
];

/** Starts the provider simulators: control API, gateways and buyer pages on one Express app. */
export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  if (!(opts.timeScale > 0) || !Number.isFinite(opts.timeScale)) {
    throw new RangeError(`timeScale must be a positive number, got ${opts.timeScale}`);
  }
  const logger = opts.logger ?? pino({ name: 'sandbox', redact: SANDBOX_LOG_REDACT });
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const pool = await openDatabase(opts.databaseUrl);
  // An idle connection the server dropped (restart, failover) must not crash the process: pg
  // emits it as an 'error' event, and the pool reconnects on the next query.
  pool.on('error', (error) => logger.error({ err: error }, 'idle database connection lost'));

  const accounts = new AccountStore(pool);
  const trades = new TradeStore(pool);
  const faults = new FaultStore();
  const simulators = new Map<string, ProviderSimulator>();
  const notifier = new Notifier(
    pool,
    logger,
    (provider) => (status, body) => simulators.get(provider)?.acknowledges(status, body) ?? false,
    (provider) => {
      const simulator = simulators.get(provider);
      return simulator?.notificationHeaders?.bind(simulator);
    },
  );
  const timers = new TradeTimers(
    trades,
    Object.keys(SIMULATORS),
    async (due) => {
      await simulators.get(due.provider)?.onTradeDue(due, { expired: due.expired, autoPay: due.autoPay });
    },
    logger,
  );
  const statementEdits = new StatementEditStore(pool);
  const context: SimulatorContext = {
    logger,
    publicUrl,
    timeScale: opts.timeScale,
    accounts,
    trades,
    notifier,
    faults,
    timers,
    statementEdits,
  };
  for (const [provider, factory] of Object.entries(SIMULATORS)) simulators.set(provider, factory(context));

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () =>
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - started }, 'request'),
    );
    next();
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  for (const simulator of simulators.values()) if (simulator.rootRouter) app.use(simulator.rootRouter);
  for (const simulator of simulators.values())
    if (simulator.controlRouter) app.use('/_control', simulator.controlRouter);
  app.use('/_control', controlRoutes({ simulators, trades, notifier, faults, statementEdits }));
  for (const simulator of simulators.values()) app.use(`/${simulator.provider}`, simulator.router);
  app.use((req, res) => {
    res.status(404).json({ error: { message: `no route ${req.method} ${req.path}`, param: null } });
  });
  const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (error instanceof ControlError) {
      res.status(error.status).json({ error: { message: error.message, param: error.param } });
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser's errors (malformed JSON, too large) carry their status.
      res.status(status).json({ error: { message: (error as Error).message, param: null } });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'sandbox request failed');
    res.status(500).json({ error: { message: 'internal sandbox error', param: null } });
  };
  app.use(errorHandler);

  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(opts.port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

  notifier.start();
  timers.start();
  logger.info({ url, publicUrl, timeScale: opts.timeScale, providers: [...simulators.keys()] }, 'sandbox started');

  let closing: Promise<void> | null = null;
  return {
    url,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await timers.stop();
        await notifier.stop();
        await pool.end();
      })();
      return closing;
    },
  };
}
