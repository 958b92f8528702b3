import { Client } from 'pg';
import { testStack } from './stack';

/** Reads the test stack's database directly, to check what the API does not show (transitions, notifications). */
export async function queryDb<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testStack().database_url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
