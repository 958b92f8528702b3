// Temporal as production runs it: the standalone server (`temporal-server`, all four services in one
// process) on PostgreSQL, with the Web UI served by its own program (`temporal-ui-server`), for a
// stack started with `--temporal=postgres`. The databases and their schemas, the config files, and
// the two processes; scripts/temporal.mjs waits for the server and registers the namespace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabases } from './postgres.mjs';
import { runCommand, startProcess } from './processes.mjs';
import { freePort, httpOk, portFree, waitUntil } from './wait.mjs';

/**
 * History shards: the unit a history host owns and serializes its writes by. The count is written
 * into the database when the cluster first starts and can never change for it, so production picks
 * it for the largest cluster it may grow to (512 to 4,096 are usual); each shard costs a little
 * background work on its host whether busy or not. Four on one machine with 2 cores lets history
 * update four shards at once, as the server's own development config for PostgreSQL does.
 */
export const NUM_HISTORY_SHARDS = 4;

/**
 * What the CLI's dev server sets beyond the server's defaults and the standalone server should
 * too, so that the stores differ in their store only: the Web UI lists and counts workflows
 * through visibility, limited to 10 requests/s per namespace by default.
 */
const DEV_SERVER_DEFAULTS = { 'frontend.namespaceRPS.visibility': 100 };

/** The SQL plugin for PostgreSQL 12 and newer, and the schema tool's embedded schemas for it. */
const PLUGIN = 'postgres12';
const SCHEMAS = { history: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' };

/** host, port, user and password of a postgres:// URL, with libpq's defaults. */
function connection(serverUrl) {
  const url = new URL(serverUrl);
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || process.env.PGUSER || os.userInfo().username,
    password: decodeURIComponent(url.password),
  };
}

/**
 * Creates Temporal's two databases (emptied first when `fresh`) and brings their schemas to the
 * version this server needs with its schema tool: `setup-schema -v 0.0` creates only the version
 * tables (a no-op when they exist), `update-schema` applies the versions not yet applied (none on a
 * second run). The password goes to the tool in its environment, never on its command line.
 */
export async function prepareTemporalDatabases({ sqlTool, serverUrl, databases, fresh, log, sink }) {
  const names = [databases.history, databases.visibility];
  await ensureDatabases({ serverUrl, fresh: fresh ? names : [], keep: fresh ? [] : names, log });
  const { host, port, user, password } = connection(serverUrl);
  const started = Date.now();
  for (const [store, database] of Object.entries(databases)) {
    const env = {
      ...process.env,
      SQL_PLUGIN: PLUGIN,
      SQL_HOST: host,
      SQL_PORT: String(port),
      SQL_USER: user,
      SQL_PASSWORD: password,
      SQL_DATABASE: database,
    };
    for (const args of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', SCHEMAS[store]],
    ]) {
      await runCommand({
        name: `temporal-sql-tool ${args[0]} ${database}`,
        command: sqlTool,
        args,
        env,
        sink: quietSchemaTool(sink),
      });
    }
  }
  log(`temporal: schemas of ${names.join(', ')} up to date in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The schema tool logs each statement it runs (hundreds, at DEBUG), its level coloured:
 * "…Z\t\x1b[35mDEBUG\x1b[0m\t…". Keep only warnings and errors.
 */
function quietSchemaTool(sink) {
  const routine = new RegExp(`\t(${String.fromCharCode(27)}\\[\\d+m)?(DEBUG|INFO)\\b`);
  return (line) => {
    if (routine.test(line)) return;
    sink(line);
  };
}

/**
 * Writes the server's config (<configDir>/development.yaml) and dynamic config
 * (<configDir>/dynamic-config.yaml), as JSON, which is YAML too. The frontend listens on `port`;
 * history, matching and the internal worker on free ports chosen now and kept across restarts of
 * the server. Mode 0600: it holds the database password.
 */
export async function writeServerConfig({ configDir, serverUrl, databases, port, dynamicConfig }) {
  const { host, port: pgPort, user, password } = connection(serverUrl);
  const datastore = (databaseName, maxConns) => ({
    sql: {
      pluginName: PLUGIN,
      databaseName,
      connectAddr: `${host}:${pgPort}`,
      connectProtocol: 'tcp',
      user,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = async (grpcPort) => ({
    rpc: { grpcPort, membershipPort: await membershipPort(), bindOnIP: '127.0.0.1' },
  });
  const address = `127.0.0.1:${port}`;
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      // A SQL visibility store is "advanced visibility": list filters and custom search attributes.
      visibilityStore: 'postgres-visibility',
      numHistoryShards: NUM_HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(databases.history, 20),
        'postgres-visibility': datastore(databases.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: await service(port),
      history: await service(await freePort()),
      matching: await service(await freePort()),
      worker: await service(await freePort()),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: address },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    publicClient: { hostPort: address },
    dynamicConfigClient: { filepath: path.join(configDir, 'dynamic-config.yaml'), pollInterval: '10s' },
  };
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const write = (file, value) =>
    fs.writeFileSync(path.join(configDir, file), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  write('development.yaml', config);
  const dynamic = { ...DEV_SERVER_DEFAULTS, ...dynamicConfig };
  write('dynamic-config.yaml', Object.fromEntries(Object.entries(dynamic).map(([key, value]) => [key, [{ value }]])));
}

/**
 * A free port for a service's membership (ringpop) listener. PostgreSQL's schema stores it as a
 * smallint (cluster_membership.rpc_port), so it must be below 32,768, where the kernel never picks
 * one (its ephemeral ports start there): the server refuses to start with a larger one.
 */
async function membershipPort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port below 32768 for Temporal membership');
}

/** Starts `temporal-server` on the config writeServerConfig wrote; scripts/temporal.mjs waits for it. */
export function startServerProcess({ bin, configDir, sink }) {
  return startProcess({
    name: 'temporal',
    command: bin,
    // No authorizer is configured: the frontend listens on 127.0.0.1 only, as the dev server's does.
    args: ['--root', configDir, '--config', '.', '--env', 'development', '--allow-no-auth', 'start'],
    env: process.env,
    sink,
    quietOnStop: true,
  });
}

/**
 * The Web UI for the standalone server (which, unlike the CLI's dev server, embeds none): the same
 * ui-server the CLI embeds, on `port`, talking to the frontend at `temporalAddress` and decrypting
 * payloads through the codec server. Resolves once it answers.
 */
export async function startTemporalUi({ bin, configDir, port, temporalAddress, codecUrl, namespace, log, sink }) {
  if (!(await portFree(port)))
    throw new Error(`Temporal Web UI port ${port} is already in use (another stack running?)`);
  const uiDir = path.join(configDir, 'ui');
  fs.mkdirSync(uiDir, { recursive: true });
  const config = {
    temporalGrpcAddress: temporalAddress,
    host: '127.0.0.1',
    port,
    enableUi: true,
    defaultNamespace: namespace,
    // Plain HTTP on 127.0.0.1, as the dev server's UI.
    cors: { cookieInsecure: true },
    codec: { endpoint: codecUrl ?? '' },
    notifyOnNewVersion: false,
    hideLogs: true,
  };
  fs.writeFileSync(path.join(uiDir, 'development.yaml'), `${JSON.stringify(config, null, 2)}\n`);
  const started = Date.now();
  const proc = startProcess({
    name: 'temporal-ui',
    command: bin,
    args: ['--root', uiDir, '--config', '.', '--env', 'development', 'start'],
    env: process.env,
    sink,
    quietOnStop: true,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(() => httpOk(url), { what: `the Temporal Web UI at ${url}`, proc, timeoutMs: 30_000 });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  log(`temporal-ui: ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return proc;
}
