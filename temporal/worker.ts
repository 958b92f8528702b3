/** The Temporal worker: runs workflows/ and the activities, with their dependencies. */
import { NativeConnection, Worker } from '@temporalio/worker';
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
