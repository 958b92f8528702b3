// The stack's secrets, generated once per data dir and kept in <dataDir>/secrets.json
// (mode 0600): a re-run must be able to decrypt what the last one stored, and keep
// Kratos sessions valid. Environment variables override the file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { newKratosSecrets } from '../kratos.mjs';

function generate() {
  return {
    encryption_key: crypto.randomBytes(32).toString('base64'),
    admin_token: crypto.randomBytes(32).toString('hex'),
    // Encrypts Temporal payloads (temporal/payload-codec.ts).
    payload_key: crypto.randomBytes(32).toString('base64'),
    // Kratos' courier authenticates with it to the API (POST /internal/kratos/courier).
    kratos_courier_secret: crypto.randomBytes(32).toString('hex'),
    kratos: newKratosSecrets(),
    // The dev stack's demo console owner (demo@tongbao.local) signs in with it.
    demo_password: `demo-${crypto.randomBytes(9).toString('base64url')}`,
  };
}

/** Fills in what an older secrets.json lacks, keeping every value it already has. */
function complete(stored) {
  const fresh = generate();
  return { ...fresh, ...stored, kratos: { ...fresh.kratos, ...stored.kratos } };
}

export function loadSecrets(dataDir, { useEnv = true } = {}) {
  const file = path.join(dataDir, 'secrets.json');
  const stored = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const secrets = complete(stored);
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  if (!useEnv) return secrets;
  const env = process.env;
  return {
    encryption_key: env.TONGBAO_ENCRYPTION_KEY || secrets.encryption_key,
    admin_token: env.TONGBAO_ADMIN_TOKEN || secrets.admin_token,
    payload_key: env.TONGBAO_PAYLOAD_KEY || secrets.payload_key,
    kratos_courier_secret: env.TONGBAO_KRATOS_COURIER_SECRET || secrets.kratos_courier_secret,
    demo_password: secrets.demo_password,
    kratos: {
      default: env.KRATOS_SECRETS_DEFAULT || secrets.kratos.default,
      cookie: env.KRATOS_SECRETS_COOKIE || secrets.kratos.cookie,
      cipher: env.KRATOS_SECRETS_CIPHER || secrets.kratos.cipher,
    },
  };
}
