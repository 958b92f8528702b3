import { Client, Pool } from 'pg';

/**
 * The simulators' own storage: accounts, trades and outbound notifications. This is not the
 * product's schema (that lives in migrations/); it only has to survive a sandbox restart.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sandbox_accounts (
  provider    text        NOT NULL,
  account_id  text        NOT NULL,
  secrets     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (provider, account_id)
);

CREATE TABLE IF NOT EXISTS sandbox_trades (
  provider          text        NOT NULL,
  account_id        text        NOT NULL,
  out_trade_no      text        NOT NULL,
  state             text        NOT NULL,
  buyer_token       text        NOT NULL UNIQUE,
  closes_at         timestamptz,
  auto_pay_at       timestamptz,
  auto_pay_outcome  text,
  data              jsonb       NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (provider, account_id, out_trade_no)
);
-- How many times the provider's query API answered about the trade (GET /_control/trades shows it).
-- Added after the table first shipped: a database made by an earlier sandbox gets it here.
ALTER TABLE sandbox_trades ADD COLUMN IF NOT EXISTS queries integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS sandbox_trades_by_out_trade_no ON sandbox_trades (provider, out_trade_no);
CREATE INDEX IF NOT EXISTS sandbox_trades_closing ON sandbox_trades (closes_at) WHERE closes_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS sandbox_trades_auto_pay ON sandbox_trades (auto_pay_at) WHERE auto_pay_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS sandbox_notifications (
  id               bigserial   PRIMARY KEY,
  provider         text        NOT NULL,
  account_id       text        NOT NULL,
  out_trade_no     text        NOT NULL,
  kind             text        NOT NULL,
  url              text        NOT NULL,
  content_type     text        NOT NULL,
  body             text        NOT NULL,
  schedule_ms      integer[]   NOT NULL,
  state            text        NOT NULL,
  attempts         jsonb       NOT NULL DEFAULT '[]'::jsonb,
  next_attempt_at  timestamptz,
  created_at       timestamptz NOT NULL
);
-- Added after the table first shipped: a database made by an earlier sandbox gets it here.
ALTER TABLE sandbox_notifications ADD COLUMN IF NOT EXISTS signing jsonb;
CREATE INDEX IF NOT EXISTS sandbox_notifications_due ON sandbox_notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS sandbox_notifications_by_trade ON sandbox_notifications (provider, account_id, out_trade_no);

CREATE TABLE IF NOT EXISTS sandbox_statement_edits (
  id            bigserial   PRIMARY KEY,
  provider      text        NOT NULL,
  account_id    text        NOT NULL,
  bill_date     date        NOT NULL,
  edit          text        NOT NULL,
  out_trade_no  text        NOT NULL,
  out_refund_no text,
  amount_fen    bigint,
  created_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_statement_edits_day ON sandbox_statement_edits (provider, account_id, bill_date);

-- WeChat web OAuth (网页授权) codes: single-use, 5 minutes (time-scaled). See wechatpay/wechatpay.oauth.ts.
CREATE TABLE IF NOT EXISTS sandbox_wechatpay_oauth_codes (
  code        text        PRIMARY KEY,
  appid       text        NOT NULL,
  mchid       text        NOT NULL,
  openid      text        NOT NULL,
  scope       text        NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_wechatpay_oauth_codes_expiry ON sandbox_wechatpay_oauth_codes (expires_at);

-- Aliyun (SMS and Direct Mail): what was sent, for receipts, limits and the inbox. See aliyun/.
CREATE TABLE IF NOT EXISTS sandbox_aliyun_messages (
  id              bigserial   PRIMARY KEY,
  account_id      text        NOT NULL,
  channel         text        NOT NULL,
  recipient       text        NOT NULL,
  sign_name       text,
  template_code   text,
  template_param  jsonb,
  subject         text,
  body            text        NOT NULL,
  html_body       text,
  biz_id          text        NOT NULL,
  out_id          text,
  sent_at         timestamptz NOT NULL,
  deliver_at      timestamptz NOT NULL,
  outcome         text        NOT NULL,
  error_code      text
);
CREATE INDEX IF NOT EXISTS sandbox_aliyun_messages_by_recipient ON sandbox_aliyun_messages (lower(recipient), sent_at);
CREATE INDEX IF NOT EXISTS sandbox_aliyun_messages_by_account ON sandbox_aliyun_messages (account_id, recipient, sent_at);

-- SMS templates added through the control API; account_id '*' for every account. Seeds live in code.
CREATE TABLE IF NOT EXISTS sandbox_aliyun_templates (
  account_id     text        NOT NULL,
  template_code  text        NOT NULL,
  data           jsonb       NOT NULL,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (account_id, template_code)
);
`;

/** Creates the database named in `databaseUrl` when it is missing, by way of the `postgres` database. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`sandbox database name must be letters, digits and underscores, got ${JSON.stringify(name)}`);
  }
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        // Several sandboxes (parallel test files) may race to create it: losing the race is fine.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await admin.end();
  }
}

/** Connects and creates the tables; an advisory lock keeps concurrent starts from tripping over each other. */
export async function openDatabase(databaseUrl: string): Promise<Pool> {
  await ensureDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('tongbao_sandbox_schema'))");
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return pool;
}
