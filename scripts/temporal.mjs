// The Temporal dev server (`temporal server start-dev`), with the search attributes
// support staff use to find a payment's workflow, and a readiness wait.
import { capture, startProcess } from './lib/processes.mjs';
import { portFree, portOpen, waitUntil } from './lib/wait.mjs';

/**
 * Search attributes (ARCHITECTURE.md). Payment and refund workflows carry the payment's; refund
 * workflows also RefundId and RefundStatus; webhook deliveries MerchantId, PaymentId (when the event
 * is about a payment or its refund), EventId, EventType and DeliveryStatus.
 * SQL visibility stores (the dev server's SQLite, PostgreSQL) hold at most 10 Keyword attributes
 * per namespace, so an endpoint or a provider account is found by workflow id instead
 * (`WorkflowId STARTS_WITH "webhook/evt_…"`, `reconcile/pa_…`).
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

/**
 * Starts the dev server and waits until its frontend answers and the search attributes
 * exist. `dbFile` null keeps everything in memory (tests); a path keeps history across runs.
 */
export async function startTemporal({
  bin,
  dbFile = null,
  port = 7233,
  uiPort = 8233,
  codecUrl = null,
  namespace = 'default',
  log,
  sink,
}) {
  for (const [what, p] of [
    ['frontend', port],
    ['Web UI', uiPort],
  ]) {
    if (!(await portFree(p))) throw new Error(`Temporal ${what} port ${p} is already in use (another stack running?)`);
  }
  const address = `127.0.0.1:${port}`;
  const started = Date.now();
  const proc = startProcess({
    name: 'temporal',
    command: bin,
    args: serverArgs({ dbFile, port, uiPort, codecUrl, namespace }),
    env: process.env,
    sink: sink ?? log,
    quietOnStop: true,
  });
  try {
    await waitUntil(() => portOpen(port), { what: `Temporal on ${address}`, proc, timeoutMs: 90_000 });
    await waitUntil(() => clusterServing(bin, address), { what: 'Temporal cluster health', proc, intervalMs: 500 });
    await ensureSearchAttributes({ bin, address, namespace, log });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  log(`temporal: ready on ${address} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    address,
    namespace,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}

function serverArgs({ dbFile, port, uiPort, codecUrl, namespace }) {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort)];
  // Payloads are encrypted (temporal/payload-codec.ts): the UI shows them through the codec server.
  if (codecUrl) args.push('--ui-codec-endpoint', codecUrl);
  args.push('--log-level', 'warn');
  // "default" is always created by the dev server; naming it again is harmless but noisy.
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (dbFile) args.push('--db-filename', dbFile);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
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
 * then would be missing. So we create whatever is missing through the operator API.
 */
async function ensureSearchAttributes({ bin, address, namespace, log }) {
  const present = await listSearchAttributes({ bin, address, namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in present));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    if (name in present && present[name] !== type) {
      throw new Error(
        `Temporal search attribute ${name} is ${present[name]}, expected ${type}; delete the Temporal database file to reset it`,
      );
    }
  }
  if (missing.length === 0) return;
  log(`temporal: creating search attributes ${missing.map(([name]) => name).join(', ')}`);
  const args = ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace];
  for (const [name, type] of missing) args.push('--name', name, '--type', type);
  await capture(bin, args);
}
