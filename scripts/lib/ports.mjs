// The stack's ports: which variable sets each in dev mode (a test stack takes free ones), and a
// check that all are free before anything slow starts (a port still held by an earlier stack is
// the usual clash).
import { portFree } from './wait.mjs';

export const PORTS = {
  api: { env: 'API_PORT', default: 8080, label: 'API' },
  sandbox: { env: 'SANDBOX_PORT', default: 8090, label: 'sandbox' },
  temporal: { env: 'TEMPORAL_PORT', default: 7233, label: 'Temporal frontend' },
  temporalUi: { env: 'TEMPORAL_UI_PORT', default: 8233, label: 'Temporal Web UI' },
  // The Web UI's codec endpoint: decrypts payloads for support staff (temporal/codec-server.ts).
  codec: { env: 'CODEC_PORT', default: 8234, label: 'Temporal codec server' },
  kratosPublic: { env: 'KRATOS_PUBLIC_PORT', default: 4433, label: 'Kratos public' },
  kratosAdmin: { env: 'KRATOS_ADMIN_PORT', default: 4434, label: 'Kratos admin' },
  // The worker's Prometheus listener (GET /metrics, loopback, no authentication: temporal/worker-metrics.ts).
  workerMetrics: { env: 'WORKER_METRICS_PORT', default: 9464, label: 'worker metrics' },
  // In dev mode the default is TONGBAO_WEB_URL's port (see webPort).
  web: { env: 'WEB_PORT', default: 5173, label: 'web app' },
};

/** The port of a URL, or its scheme's: http://127.0.0.1:5173 → 5173, https://pay.example.com → 443. */
export function webPort(url) {
  const parsed = new URL(url);
  return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
}

/** Whether a process of that id exists (signal 0 only asks). */
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** All ports at once, before anything slow: a clash with an earlier stack is the usual case. */
export async function checkPortsFree(config, previous) {
  const taken = [];
  for (const [key, spec] of Object.entries(PORTS)) {
    const port = config.ports[key];
    if (!(await portFree(port))) taken.push(`${spec.label} port ${port} (${spec.env})`);
  }
  if (taken.length === 0) return;
  const alive = Object.entries(previous?.processes ?? {}).filter(([, pid]) => pidAlive(pid));
  const runner = alive.find(([name]) => name === 'runner');
  let hint = 'Another program is using them: stop it, or pick other ports with the variables named.';
  if (runner) {
    hint = `A stack is already running (pid ${runner[1]}); stop it with Ctrl-C in its terminal or \`kill ${runner[1]}\`.`;
  } else if (alive.length > 0) {
    const groups = alive.map(([, pid]) => `-${pid}`).join(' ');
    hint = `Processes of an earlier stack are still running (${alive.map(([n, p]) => `${n} ${p}`).join(', ')}): \`kill -- ${groups}\``;
  }
  throw new Error(`ports already in use: ${taken.join(', ')}.\n${hint}`);
}
