import pino from 'pino';
import { SANDBOX_LOG_REDACT, startSandbox } from './sandbox';

async function main(): Promise<void> {
  const logger = pino({ name: 'sandbox', level: process.env.LOG_LEVEL ?? 'info', redact: SANDBOX_LOG_REDACT });
  const port = Number(process.env.SANDBOX_PORT ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`SANDBOX_PORT is not a port: ${process.env.SANDBOX_PORT}`);
  const timeScale = Number(process.env.TONGBAO_TIME_SCALE ?? 1);
  const sandbox = await startSandbox({
    port,
    host: process.env.SANDBOX_HOST,
    databaseUrl: process.env.SANDBOX_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tongbao_sandbox',
    publicUrl: process.env.SANDBOX_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    timeScale,
    logger,
  });
  logger.info(`sandbox listening on ${sandbox.url}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'sandbox stopping');
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'sandbox did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
