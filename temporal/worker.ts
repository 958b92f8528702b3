/** The Temporal worker: runs workflows/ and the activities, with their dependencies. */
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openDatabase } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { appConfigFromEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { temporalSettingsFromEnv } from './config';

async function main(): Promise<void> {
  const config = appConfigFromEnv();
  const temporal = temporalSettingsFromEnv();
  const logger = createLogger('worker', config.logLevel);
  // The SDK logs each worker state change and the whole workflow bundle listing at INFO.
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL ?? 'WARN') as LogLevel) });
  const db = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      db,
      secretBox: new SecretBox(config.encryptionKey),
      providerEnv: { sandboxUrl: config.sandboxUrl },
      apiUrl: config.apiUrl,
      logger,
    }),
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  logger.info({ taskQueue: temporal.taskQueue, address: temporal.address }, 'worker running');
  console.log(`worker running on task queue ${temporal.taskQueue}`);
  await worker.run();
  await connection.close();
  await db.close();
}

main().catch((error) => {
  console.error('worker failed:', error);
  process.exit(1);
});
