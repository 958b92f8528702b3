import { Client, Connection } from '@temporalio/client';
import { createActivities, type Activities } from '../activities';
import { openDatabase, type Database } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { appConfigFromEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { testDataConverter, testStack } from './stack';

/** The worker's activities, made as the worker makes them from the test stack's environment. */
export interface StackActivities {
  activities: Activities;
  db: Database;
  temporal: Client;
  close(): Promise<void>;
}

/**
 * For a story that plays a worker's part itself: running an activity again as Temporal would after
 * a worker died, or dispatching an event twice. `close()` in afterAll.
 */
export async function openStackActivities(name: string): Promise<StackActivities> {
  const stack = testStack();
  const config = appConfigFromEnv(stack.env);
  const db = await openDatabase(config.databaseUrl, { poolMax: 2 });
  const connection = await Connection.connect({ address: stack.temporal_address });
  const temporal = new Client({ connection, namespace: stack.temporal_namespace, dataConverter: testDataConverter() });
  const activities = createActivities({
    db,
    secretBox: new SecretBox(config.encryptionKey),
    providerEnv: { sandboxUrl: config.sandboxUrl },
    apiUrl: config.apiUrl,
    logger: createLogger(name, 'silent'),
    temporal,
    taskQueue: stack.temporal_task_queue,
    timeScale: config.timeScale,
    webhookAllowPrivate: config.webhookAllowPrivate,
    alerts: config.alerts,
  });
  return {
    activities,
    db,
    temporal,
    close: async () => {
      await connection.close();
      await db.close();
    },
  };
}
