// What the running stack is, told twice: <dataDir>/stack.json for tools (its shape is documented
// at the top of scripts/stack.mjs) and the summary `npm run stack` prints for people.
import fs from 'node:fs';
import path from 'node:path';
import { NAMESPACE, TASK_QUEUE } from './config.mjs';
import { describeStore } from '../temporal.mjs';

/** The content of stack.json (and of the handle startStack resolves to, with stop()). */
export function stackInfo(config, { demo, demoSignIn = null, demoAdmin = null, processes }) {
  const { urls, secrets, appEnv: env } = config;
  return {
    mode: config.mode,
    started_at: new Date().toISOString(),
    api_url: urls.api,
    sandbox_url: urls.sandbox,
    web_url: config.webUrl,
    temporal_address: urls.temporal,
    temporal_store: config.temporal.store,
    temporal_namespace: NAMESPACE,
    temporal_task_queue: TASK_QUEUE,
    temporal_ui_url: `http://127.0.0.1:${config.ports.temporalUi}`,
    codec_url: urls.codec,
    worker_metrics_url: urls.workerMetrics,
    kratos_public_url: urls.kratosPublic,
    kratos_admin_url: urls.kratosAdmin,
    database_url: env.DATABASE_URL,
    admin_token: secrets.admin_token,
    demo_merchant: demo,
    demo_sign_in: demoSignIn,
    demo_admin: demoAdmin,
    processes,
    logs_dir: config.logsDir,
    env,
  };
}

/** The last run's stack.json, or null: its demo merchant is reused, its pids name a port's holder. */
export function readStackFile(dataDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'stack.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Written whole and renamed into place, so a reader never sees half a file. */
export function writeStackFile(dataDir, info) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'stack.json');
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** "Tongbao is running." and where each part is, for the person who ran `npm run stack`. */
export function printSummary(info, config) {
  const rows = [
    ['API', info.api_url],
    ['Sandbox', info.sandbox_url],
    [
      'Temporal',
      `${info.temporal_address}  (namespace ${info.temporal_namespace}, task queue ${info.temporal_task_queue})`,
    ],
    ['Temporal store', describeStore(info.temporal_store)],
    ['Temporal Web UI', info.temporal_ui_url],
    ['Temporal codec', `${info.codec_url}  (the UI decrypts payloads through it)`],
    ['Worker metrics', `${info.worker_metrics_url}  (the API's: ${info.api_url}/metrics, admin token)`],
    ['Kratos public', info.kratos_public_url],
    ['Kratos admin', info.kratos_admin_url],
    ['Web app', `${info.web_url}  (hosted checkout: ${info.web_url}/pay/cs_…)`],
    [
      'Console',
      `${info.web_url}/dashboard  (${
        info.demo_sign_in
          ? `${info.demo_sign_in.email} / ${info.demo_sign_in.password}`
          : 'sign up at /auth/registration'
      })`,
    ],
    [
      'Admin console',
      `${info.web_url}/admin  (${
        info.demo_admin
          ? `${info.demo_admin.email} / ${info.demo_admin.password}; an authenticator app is set up at the first sign-in`
          : 'staff are made with the admin token: POST /v1/admin/staff'
      })`,
    ],
    ['PostgreSQL', info.database_url],
    ['Admin token', info.admin_token],
    ['Demo merchant', info.demo_merchant ? info.demo_merchant.id : '(none: see the error above)'],
    ['Demo test key', info.demo_merchant ? info.demo_merchant.test_secret_key : '-'],
  ];
  const lines = rows.map(([label, value]) => `  ${label.padEnd(16)} ${value}`);
  const file = path.relative(process.cwd(), path.join(config.dataDir, 'stack.json'));
  process.stdout.write(`\nTongbao is running. Ctrl-C stops everything.\n${lines.join('\n')}\n  (also in ${file})\n\n`);
}
