/** Starts the REST API. */
import { openDatabase } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { appConfigFromEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { connectTemporal } from '../temporal/client';
import { temporalSettingsFromEnv } from '../temporal/config';
import { createApp } from './app';
import { answerUnparsableRequest } from './unparsable-requests';

async function main(): Promise<void> {
  const config = appConfigFromEnv();
  const temporalSettings = temporalSettingsFromEnv();
  const logger = createLogger('api', config.logLevel);
  const db = await openDatabase(config.databaseUrl);
  const temporal = await connectTemporal(temporalSettings);
  const app = createApp({
    config,
    db,
    temporal,
    temporalSettings,
    secretBox: new SecretBox(config.encryptionKey),
    logger,
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
