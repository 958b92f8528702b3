// Temporal for the stack: the CLI's dev server (`temporal server start-dev`) in memory or on a SQLite
// file, or the standalone server on PostgreSQL (lib/temporal-server.mjs), with the search attributes
// support staff use to find a payment's workflow, and a readiness wait.
//
//   node scripts/temporal.mjs [--temporal=memory|sqlite|postgres] [--name N]
//       only Temporal (and, on PostgreSQL, its Web UI) of the test stack named N (default temporal):
//       its store emptied, free ports; prints "temporal ready {address, namespace, ui_url, store}"
//       and runs until SIGINT/SIGTERM. The postgres mode's test starts Temporal so.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { optionValue } from './lib/args.mjs';
import { NAMESPACE, resolveConfig } from './lib/config.mjs';
import { createLog } from './lib/log.mjs';
import { capture, killAllSync, startProcess, stopAll } from './lib/processes.mjs';
import {
  NUM_HISTORY_SHARDS,
  prepareTemporalDatabases,
  startServerProcess,
  startTemporalUi,
  writeServerConfig,
} from './lib/temporal-server.mjs';
import { portFree, portOpen, waitUntil } from './lib/wait.mjs';
import { ensureTools } from './tools.mjs';

/**
 * Search attributes (ARCHITECTURE.md). Payment and refund workflows carry the payment's; refund
 * workflows also RefundId and RefundStatus; webhook deliveries MerchantId, PaymentId (when the event
 * is about a payment or its refund), EventId, EventType and DeliveryStatus.
 * SQL visibility stores (the dev server's SQLite, PostgreSQL) hold at most 10 Keyword attributes
 * per namespace, so an endpoint or a provider account is found by workflow id instead
 * (`WorkflowId STARTS_WITH "webhook/evt_…"`, `reconcile/pa_…`). Message workflows carry MerchantId,
 * Channel (sms, email), DeliveryStatus (the message's status) and MessageKeys, a KeywordList of the
 * message id, template, masked recipient (`+86138****8000`), object and customer:
 * `MessageKeys = "cus_…"` finds a shopper's messages.
 * temporal/search-attributes.ts defines the same keys for the code.
 */
export const SEARCH_ATTRIBUTES = {
  MerchantId: 'Keyword',
  PaymentId: 'Keyword',
  Provider: 'Keyword',
  Channel: 'Keyword',
  PaymentStatus: 'Keyword',
  AmountMinor: 'Int',
  RefundId: 'Keyword',
  RefundStatus: 'Keyword',
  EventId: 'Keyword',
  EventType: 'Keyword',
  DeliveryStatus: 'Keyword',
  MessageKeys: 'KeywordList',
};

/**
 * Update-with-start (ExecuteMultiOperation) and workflow updates are on by default in
 * server 1.29, but were off by default in earlier servers; setting them explicitly keeps
 * payment creation working if the pinned CLI ever moves.
 */
export const DYNAMIC_CONFIG = {
  'frontend.enableExecuteMultiOperation': true,
  'frontend.enableUpdateWorkflowExecution': true,
};

/** How long the standalone server keeps a closed workflow's history (the CLI's default). */
const NAMESPACE_RETENTION = '72h';

/**
 * The dev server's SQLite file in WAL mode with synchronous=normal: a commit appends to the
 * write-ahead log and returns without waiting for fsync (the log is synced at checkpoints). With
 * SQLite's defaults (a rollback journal, synchronous=full) every commit waited for two fsyncs, and
 * the server spent its time waiting on the disk: a trivial workflow ran at 15.5/s with them and
 * 35/s with these. What it keeps: a crash of the process (or a SIGKILL) loses nothing committed;
 * a power loss or an OS crash may lose the last transactions before the latest checkpoint, but
 * never corrupts the file. Right for a development server; production runs a Temporal cluster on
 * PostgreSQL (`--temporal=postgres` here).
 */
export const SQLITE_PRAGMAS = { journal_mode: 'wal', synchronous: 'normal' };

/**
 * Starts Temporal on `store` and waits until its frontend answers, the namespace exists and has the
 * search attributes:
 * - 'memory', 'sqlite': the CLI's dev server (`bin`), keeping everything in memory (tests) or in
 *   `dbFile` (across runs, SQLITE_PRAGMAS); it serves the Web UI on `uiPort` itself;
 * - 'postgres': the standalone server (`serverBin`) on the config lib/temporal-server.mjs wrote into
 *   `configDir` (writeServerConfig), its databases prepared (prepareTemporalDatabases); the namespace
 *   is registered here; its Web UI is a process of its own (startTemporalUi).
 */
export async function startTemporal({
  bin,
  store = 'memory',
  dbFile = null,
  serverBin = null,
  configDir = null,
  port = 7233,
  uiPort = 8233,
  codecUrl = null,
  namespace = 'default',
  log,
  sink,
}) {
  const ports = [['frontend', port]];
  if (store !== 'postgres') ports.push(['Web UI', uiPort]);
  for (const [what, p] of ports) {
    if (!(await portFree(p))) throw new Error(`Temporal ${what} port ${p} is already in use (another stack running?)`);
  }
  const address = `127.0.0.1:${port}`;
  const started = Date.now();
  const proc =
    store === 'postgres'
      ? startServerProcess({ bin: serverBin, configDir, sink: sink ?? log })
      : startProcess({
          name: 'temporal',
          command: bin,
          args: devServerArgs({ dbFile: store === 'sqlite' ? dbFile : null, port, uiPort, codecUrl, namespace }),
          env: process.env,
          sink: sink ?? log,
          quietOnStop: true,
        });
  try {
    await waitUntil(() => portOpen(port), { what: `Temporal on ${address}`, proc, timeoutMs: 90_000 });
    await waitUntil(() => clusterServing(bin, address), { what: 'Temporal cluster health', proc, intervalMs: 500 });
    if (store === 'postgres') await ensureNamespace({ bin, address, namespace, proc, log });
    await ensureSearchAttributes({ bin, address, namespace, log });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  log(`temporal: ready on ${address} (${store}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    address,
    namespace,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}

function devServerArgs({ dbFile, port, uiPort, codecUrl, namespace }) {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort)];
  // Payloads are encrypted (temporal/payload-codec.ts): the UI shows them through the codec server.
  if (codecUrl) args.push('--ui-codec-endpoint', codecUrl);
  args.push('--log-level', 'warn');
  // "default" is always created by the dev server; naming it again is harmless but noisy.
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (dbFile) {
    args.push('--db-filename', dbFile);
    for (const [pragma, value] of Object.entries(SQLITE_PRAGMAS)) args.push('--sqlite-pragma', `${pragma}=${value}`);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/**
 * The standalone server creates no namespace (the dev server creates "default"): register it once,
 * then wait until the frontend's namespace cache has it (refreshed every 2 s), because a worker
 * polling before then is told the namespace does not exist.
 */
async function ensureNamespace({ bin, address, namespace, proc, log }) {
  const common = ['--address', address, '--namespace', namespace];
  const exists = await capture(bin, ['operator', 'namespace', 'describe', ...common]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    log(`temporal: registering namespace ${namespace}`);
    await capture(bin, ['operator', 'namespace', 'create', ...common, '--retention', NAMESPACE_RETENTION]);
  }
  await waitUntil(() => capture(bin, ['workflow', 'count', ...common]).then(() => true), {
    what: `namespace ${namespace} to be usable`,
    proc,
    intervalMs: 500,
  });
}

async function clusterServing(bin, address) {
  const out = await capture(bin, ['operator', 'cluster', 'health', '--address', address]);
  return out.includes('SERVING');
}

/** The custom search attributes the namespace has: { name: type }. */
export async function listSearchAttributes({ bin, address, namespace }) {
  const out = await capture(bin, [
    'operator',
    'search-attribute',
    'list',
    '--address',
    address,
    '--namespace',
    namespace,
    '-o',
    'json',
  ]);
  const parsed = JSON.parse(out);
  return Object.fromEntries(
    Object.entries(parsed.customAttributes ?? {}).map(([name, type]) => [name, indexedType(type)]),
  );
}

/** "INDEXED_VALUE_TYPE_KEYWORD" → "Keyword" (the names `create --type` accepts). */
function indexedType(type) {
  const word = String(type)
    .replace(/^INDEXED_VALUE_TYPE_/, '')
    .toLowerCase();
  return { keyword_list: 'KeywordList', datetime: 'Datetime' }[word] ?? word[0].toUpperCase() + word.slice(1);
}

/**
 * `--search-attribute` only applies when the dev server creates the namespace: with an
 * existing SQLite file the namespace exists, and attributes added to this list since
 * then would be missing; the standalone server has no such flag at all. So we create
 * whatever is missing through the operator API.
 */
async function ensureSearchAttributes({ bin, address, namespace, log }) {
  const present = await listSearchAttributes({ bin, address, namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in present));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    if (name in present && present[name] !== type) {
      throw new Error(
        `Temporal search attribute ${name} is ${present[name]}, expected ${type}; delete the Temporal database file (or databases) to reset it`,
      );
    }
  }
  if (missing.length === 0) return;
  log(`temporal: creating search attributes ${missing.map(([name]) => name).join(', ')}`);
  const args = ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace];
  for (const [name, type] of missing) args.push('--name', name, '--type', type);
  await capture(bin, args);
  // Workflows started before the server sees them would be refused: wait until it lists them all.
  await waitUntil(
    async () => {
      const now = await listSearchAttributes({ bin, address, namespace });
      return missing.every(([name]) => name in now);
    },
    { what: 'the new search attributes', intervalMs: 500, timeoutMs: 30_000 },
  );
}

// ---------------------------------------------------------------------------------
// Temporal as a stack runs it (scripts/stack.mjs and the CLI below)

/** What a stack's summary and stack.json say about the store. */
export function describeStore(store) {
  switch (store) {
    case 'memory':
      return 'dev server, in memory';
    case 'sqlite':
      return 'dev server, SQLite file (WAL, synchronous=normal)';
    case 'postgres':
      return `temporal-server on PostgreSQL, ${NUM_HISTORY_SHARDS} history shards`;
    default:
      throw new Error(`unknown Temporal store ${store}`);
  }
}

/**
 * Readies the stack's store before its first start (not before restarts): a test stack's history
 * starts empty, on disk as in memory; on PostgreSQL the databases and schemas are brought up to
 * date and the server's config written.
 */
export async function prepareTemporalStore(config, tools, io) {
  const { store, dbFile, databases, configDir } = config.temporal;
  if (store === 'sqlite' && config.mode === 'test') removeSqlite(dbFile);
  if (store !== 'postgres') return;
  await prepareTemporalDatabases({
    sqlTool: tools.temporalSqlTool,
    serverUrl: config.serverUrl,
    databases,
    fresh: config.mode === 'test',
    log: io.log,
    sink: io.sinkFor('temporal-sql-tool'),
  });
  await writeServerConfig({
    configDir,
    serverUrl: config.serverUrl,
    databases,
    port: config.ports.temporal,
    dynamicConfig: DYNAMIC_CONFIG,
  });
}

/** A SQLite database and its journal files. */
function removeSqlite(file) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** Starts the stack's Temporal server (again, after a crash) on its prepared store: its process. */
export async function startStackTemporal(config, tools, io) {
  const started = await startTemporal({
    bin: tools.temporal,
    store: config.temporal.store,
    dbFile: config.temporal.dbFile,
    serverBin: tools.temporalServer,
    configDir: config.temporal.configDir,
    port: config.ports.temporal,
    uiPort: config.ports.temporalUi,
    // The UI decrypts payloads through the codec server, which starts with the other apps.
    codecUrl: config.urls.codec,
    namespace: NAMESPACE,
    log: io.log,
    sink: io.sinkFor('temporal'),
  });
  return started.process;
}

/** The stack's Web UI when Temporal runs on PostgreSQL (the dev server serves its own): its process. */
export function startStackTemporalUi(config, tools, io) {
  return startTemporalUi({
    bin: tools.temporalUi,
    configDir: config.temporal.configDir,
    port: config.ports.temporalUi,
    temporalAddress: config.urls.temporal,
    codecUrl: config.urls.codec,
    namespace: NAMESPACE,
    log: io.log,
    sink: io.sinkFor('temporal-ui'),
  });
}

async function main(argv) {
  const option = (name) => optionValue(argv, name);
  const log = createLog({ name: 'temporal' });
  const io = { log, sinkFor: () => log };
  const stop = async () => {
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', killAllSync);
  try {
    const config = await resolveConfig('test', {
      name: option('--name') ?? 'temporal',
      timeScale: 1,
      temporal: option('--temporal') ?? 'memory',
    });
    const tools = await ensureTools({ log, postgres: config.temporal.store === 'postgres' });
    await prepareTemporalStore(config, tools, io);
    await startStackTemporal(config, tools, io);
    if (config.temporal.store === 'postgres') await startStackTemporalUi(config, tools, io);
    const ready = {
      address: config.urls.temporal,
      namespace: NAMESPACE,
      ui_url: config.urls.temporalUi,
      store: config.temporal.store,
    };
    process.stdout.write(`temporal ready ${JSON.stringify(ready)}\n`);
  } catch (error) {
    process.stderr.write(`temporal could not start: ${error.message}\n`);
    await stopAll();
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2));
}
