import { MikroORM, defineConfig, type EntityManager } from '@mikro-orm/postgresql';
import type { Migrator } from '@mikro-orm/migrations';
import path from 'node:path';
import { ALL_SCHEMAS } from './entities';

/** The application database: MikroORM, with `fork()` as the way to an EntityManager. */
export interface Database extends MikroORM {
  /**
   * A fresh EntityManager with its own identity map, for one unit of work: a request's query, an
   * activity's transaction. The global `em` stays unused (`allowGlobalContext: false`).
   */
  fork(): EntityManager;
  /**
   * A plain SQL statement on the pool, outside any transaction: what `fork().execute(sql, params)`
   * does (the same driver call, its errors converted alike) without building an EntityManager, its
   * unit of work and identity map first, which cost more CPU than the statement on the hot paths
   * (3.5 % of the API's, 2 % of the worker's under the bench's load; issue 11).
   */
  execute<T = Record<string, unknown>[]>(sql: string, params?: readonly unknown[]): Promise<T>;
}

export interface DatabaseOptions {
  poolMax?: number;
  /**
   * The migrator, for migrations/run.ts only: imported here, it loaded umzug and some 250 modules
   * (~8 MB of RSS) into the API and the worker, which never migrate.
   */
  migrator?: typeof Migrator;
}

export function ormConfig(databaseUrl: string, options: DatabaseOptions = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ALL_SCHEMAS,
    extensions: options.migrator ? [options.migrator] : [],
    // Request handlers and activities each fork their own EntityManager; the global one stays unused.
    allowGlobalContext: false,
    pool: { min: 0, max: options.poolMax ?? 10 },
    migrations: {
      // Compiled migrations only: the stack runs them from dist/ after `tsc`.
      path: path.join(__dirname, '..', 'migrations'),
      glob: 'Migration*.js',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  });
}

export async function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Promise<Database> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, options));
  const driver = orm.em.getDriver();
  return Object.assign(orm, {
    fork: (): EntityManager => orm.em.fork(),
    execute: <T>(sql: string, params: readonly unknown[] = []): Promise<T> =>
      driver.execute(sql, [...params], 'all') as Promise<T>,
  });
}
