// PostgreSQL for the stack: one server, several databases, created on demand.
//
// `pg` is imported when a database is first needed, not at the top: the stack runner loads this
// module before it has installed node_modules (ensureDependencies), and on a fresh clone a static
// import would fail before the install could run.

/** The same server URL with another database name (credentials and options kept). */
export function databaseUrl(serverUrl, database) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Kratos (Go, pgx) wants an explicit sslmode; a local server has no TLS. */
export function kratosDsn(serverUrl, database) {
  const url = new URL(databaseUrl(serverUrl, database));
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs `fn` with a client on the server's maintenance database ("postgres"). */
async function withMaintenanceClient(serverUrl, fn) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: databaseUrl(serverUrl, 'postgres'),
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(serverUrl);
    where.password = where.password ? '***' : '';
    throw new Error(
      `PostgreSQL is not reachable at ${where.host} (${error.code ?? error.message}). ` +
        'Start it, or point DATABASE_URL at a running server (e.g. postgres://postgres@127.0.0.1:5432/tongbao).',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Makes sure each database exists. Names in `fresh` are dropped first, so tests start clean.
 */
export async function ensureDatabases({ serverUrl, keep = [], fresh = [], log }) {
  await withMaintenanceClient(serverUrl, async (client) => {
    for (const name of fresh) await dropDatabase(client, name);
    for (const name of [...fresh, ...keep]) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount > 0) continue;
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      if (!fresh.includes(name)) log(`postgres: created database ${name}`);
    }
  });
}

/** Drops each of the databases that exists (the fresh-clone check removes its own this way). */
export async function dropDatabases({ serverUrl, names }) {
  await withMaintenanceClient(serverUrl, async (client) => {
    for (const name of names) await dropDatabase(client, name);
  });
}

/** WITH (FORCE) ends the connections a crashed or still-stopping stack may have left open. */
function dropDatabase(client, name) {
  return client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}
