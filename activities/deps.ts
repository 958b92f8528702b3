import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';
import type { ProviderEnvironment } from '../providers/provider';
import type { AlertSettings } from '../domain/alerts';

/** What every activity is created with (`createActivities(deps)`); the worker builds it once. */
export interface ActivityDeps {
  db: Database;
  secretBox: SecretBox;
  providerEnv: ProviderEnvironment;
  /** The API's public base URL: providers send their notifications there. */
  apiUrl: string;
  logger: Logger;
  /** Starts workflows from activities (one webhook delivery per event and endpoint). */
  temporal: Client;
  /** The task queue those workflows run on. */
  taskQueue: string;
  /** Divides the timers of the workflows activities start; 1 in production (see PaymentWorkflowInput). */
  timeScale: number;
  /** TONGBAO_WEBHOOK_ALLOW_PRIVATE: webhooks may reach loopback and private addresses (dev and test stacks only). */
  webhookAllowPrivate: boolean;
  /** Who gets the stuck-refund alert (TONGBAO_ALERT_TO); see runtime/config.ts. */
  alerts: AlertSettings;
  /** Counts what the activities do (temporal/worker-metrics.ts); absent: nothing is counted. */
  metrics?: ActivityMetrics;
}

/**
 * Events the activities count as they commit them, in memory (never a query per payment). Each is
 * counted once: after its write committed, and only when the write changed something, so a
 * retried activity does not count twice.
 */
export interface ActivityMetrics {
  /** A payment reached `status` (`created` when it was stored). */
  paymentStatus(change: { provider: string; channel: string; status: string }): void;
  /** A refund reached `status` (`pending` when it was created). */
  refundStatus(status: string): void;
  /** A webhook delivery attempt; `gaveUp` when it was the delivery's last. */
  webhookAttempt(outcome: { delivered: boolean; gaveUp: boolean }): void;
  /** A message reached `status`. */
  messageStatus(change: { channel: string; status: string }): void;
}
