/** Starts the REST API. */
import { openDatabase } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { appConfigFromEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { connectTemporal } from '../temporal/client';
import { temporalSettingsFromEnv } from '../temporal/config';
import { startTracing } from '../runtime/tracing';
import { createApp } from './app';
import { collectProcessMetrics } from './metrics';
import { answerUnparsableRequest } from './unparsable-requests';

async function main(): Promise<void> {
  const config = appConfigFromEnv();
  const temporalSettings = temporalSettingsFromEnv();
  const logger = createLogger('api', config.logLevel);
  // Before anything is traced: the global tracer provider and context manager.
  const tracing = startTracing('tongbao-api', config.otlpTracesUrl);
  collectProcessMetrics();
  const db = await openDatabase(config.databaseUrl);
  const temporal = await connectTemporal(temporalSettings, { traced: tracing !== null });
  const app = createApp({
    config,
    db,
    temporal,
    temporalSettings,
    secretBox: new SecretBox(config.encryptionKey),
    logger,
    tracer: tracing?.tracer ?? null,
  });
  const server = app.listen(config.apiPort, process.env.API_HOST ?? '127.0.0.1', () => {
    logger.info({ url: config.apiUrl }, 'api listening');
    console.log(`api listening on ${config.apiUrl}`);
  });
  server.on('clientError', answerUnparsableRequest);
  const stop = () => {
    server.close(async () => {
      await temporal.connection.close();
      await db.close();
      await tracing?.shutdown();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error('api failed:', error);
  process.exit(1);
});
