/** Applies every pending migration to DATABASE_URL, then exits. Safe to run again. */
import { Migrator } from '@mikro-orm/migrations';
import { openDatabase } from '../db/orm';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tongbao';
  const orm = await openDatabase(databaseUrl, { poolMax: 1, migrator: Migrator });
  try {
    const applied = await orm.getMigrator().up();
    console.log(
      applied.length ? `migrations applied: ${applied.map((m) => m.name).join(', ')}` : 'migrations: up to date',
    );
  } finally {
    await orm.close();
  }
}

main().catch((error) => {
  console.error('migration failed:', error);
  process.exit(1);
});
