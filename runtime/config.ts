/** Settings of the API and the worker, from the environment the stack runner (or an operator) provides. */
export interface AppConfig {
  databaseUrl: string;
  encryptionKey: string;
  adminToken: string;
  /** The API's public base URL; providers send notifications to it. */
  apiUrl: string;
  apiPort: number;
  /** The hosted checkout's public base URL; sessions send shoppers to `<it>/pay/<cs_id>`. */
  webUrl: string;
  /** Test mode's providers live here; null disables test mode. */
  sandboxUrl: string | null;
  /** Divides workflow timers; 1 in production. */
  timeScale: number;
  /** Seconds a provider has to settle a refund before it becomes `requires_attention` (before time scaling). */
  refundAttentionAfterSeconds: number;
  logLevel: string;
  /**
   * TONGBAO_WEBHOOK_ALLOW_PRIVATE=true: merchants' webhook endpoints may be loopback or private
   * addresses. The dev and test stacks set it (their receivers listen on 127.0.0.1); production must not.
   */
  webhookAllowPrivate: boolean;
}

export class ConfigError extends Error {}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} must be set (the stack runner sets it; see README "Configuration")`);
  return value;
}

export function appConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const apiPort = Number(env.API_PORT ?? 8080);
  const timeScale = Number(env.TONGBAO_TIME_SCALE ?? 1);
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new ConfigError('TONGBAO_TIME_SCALE must be a positive number');
  const refundAttentionAfterSeconds = Number(env.TONGBAO_REFUND_ATTENTION_AFTER ?? 86_400);
  if (!Number.isInteger(refundAttentionAfterSeconds) || refundAttentionAfterSeconds < 60) {
    throw new ConfigError('TONGBAO_REFUND_ATTENTION_AFTER must be a whole number of seconds, at least 60');
  }
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tongbao',
    encryptionKey: required(env, 'TONGBAO_ENCRYPTION_KEY'),
    adminToken: required(env, 'TONGBAO_ADMIN_TOKEN'),
    apiUrl: (env.TONGBAO_API_URL ?? `http://127.0.0.1:${apiPort}`).replace(/\/$/, ''),
    apiPort,
    webUrl: (env.TONGBAO_WEB_URL ?? 'http://127.0.0.1:5173').replace(/\/$/, ''),
    sandboxUrl: env.TONGBAO_SANDBOX_URL ? env.TONGBAO_SANDBOX_URL.replace(/\/$/, '') : null,
    timeScale,
    refundAttentionAfterSeconds,
    logLevel: env.LOG_LEVEL ?? 'info',
    webhookAllowPrivate: env.TONGBAO_WEBHOOK_ALLOW_PRIVATE === 'true',
  };
}
