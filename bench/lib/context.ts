/** What every phase of the bench works with: the stack, its database, a Temporal client, the processes to measure. */
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { componentGroups, postgresBackends, stackDatabases, type Started } from './processes';
import type { ProcessGroups } from './proc';
import { openAppDatabase, type StackInfo } from './tongbao';

export interface BenchContext {
  stack: StackInfo;
  db: Pool;
  temporal: Client;
  /** Processes the bench started that belong to a component (a second worker, a second API). */
  extra: Started[];
  /** The components to measure now, with PostgreSQL's current backends for the stack's databases. */
  groups(): Promise<ProcessGroups>;
  close(): Promise<void>;
}

export async function openContext(stack: StackInfo): Promise<BenchContext> {
  const db = openAppDatabase(stack);
  const connection = await Connection.connect({ address: stack.temporal_address });
  const databases = stackDatabases(stack);
  const context: BenchContext = {
    stack,
    db,
    temporal: new Client({ connection, namespace: stack.temporal_namespace }),
    extra: [],
    groups: async () => componentGroups(stack, context.extra, await postgresBackends(db, databases)),
    close: async () => {
      await Promise.all(context.extra.map((process) => process.stop()));
      await connection.close();
      await db.end();
    },
  };
  return context;
}
