import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DueRunner } from './due-runner';
import type { NotificationFaults } from './faults';

/** One HTTP request a simulator sends to a merchant's notify URL, signed (in its body, or by the provider's headers hook at each attempt), possibly tampered. */
export interface OutboundNotification {
  provider: string;
  accountId: string;
  outTradeNo: string;
  /** What it announces, for the record, e.g. `trade_status_sync:TRADE_SUCCESS`. */
  kind: string;
  url: string;
  contentType: string;
  body: string;
  /**
   * For providers that sign each attempt in headers (see `NotificationHeadersHook`): what was
   * decided when it was queued (which key, whether to tamper), stored with the notification and
   * handed back at every attempt, so that every retry, after a restart too, is signed the same way.
   */
  signing?: NotificationSigning;
}

/** A provider's signing decision for one notification; JSON, as it is stored in `sandbox_notifications.signing`. */
export type NotificationSigning = Readonly<Record<string, string | number | boolean | null>>;

/** One attempt at a queued notification, about to be sent. */
export interface NotificationAttempt {
  accountId: string;
  outTradeNo: string;
  kind: string;
  body: string;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  attempt: number;
  /** `OutboundNotification.signing` as it was queued; null when there was none (or for a row older than the column). */
  signing: NotificationSigning | null;
}

/**
 * The headers a provider adds to one attempt (besides `Content-Type`, which the notification
 * names), computed just before it is sent: WeChat Pay signs a fresh timestamp into each. When it
 * throws, the attempt is recorded as failed and retried on the provider's schedule.
 */
export type NotificationHeadersHook = (attempt: NotificationAttempt) => Promise<Record<string, string>>;

export interface DeliveryPlan {
  /** How many identical copies to send (the `duplicate` fault sends more than one). */
  copies: number;
  /** Recorded but never sent (the `drop` fault). */
  drop: boolean;
  /** Wait before the first attempt. */
  delayMs: number;
  /** Waits between attempts after a failed one, already divided by the time scale. */
  retryScheduleMs: number[];
}

/**
 * How the notification faults in force shape a delivery, for every provider alike. The provider's
 * retry schedule is given in real milliseconds; the sandbox's time scale divides it.
 */
export function deliveryPlan(
  faults: NotificationFaults,
  retryScheduleMs: readonly number[],
  timeScale: number,
): DeliveryPlan {
  return {
    copies: faults.mode === 'duplicate' ? faults.duplicateCount : 1,
    drop: faults.mode === 'drop',
    delayMs: faults.delayMs,
    retryScheduleMs: retryScheduleMs.map((ms) => ms / timeScale),
  };
}

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  body: string | null;
  error: string | null;
  duration_ms: number;
}

export type NotificationState = 'pending' | 'delivered' | 'exhausted' | 'dropped';

export interface NotificationRecord {
  id: string;
  kind: string;
  url: string;
  state: NotificationState;
  body: string;
  created_at: string;
  next_attempt_at: string | null;
  attempts: DeliveryAttempt[];
}

/** Tells whether the merchant's answer acknowledges the notification; each provider has its own rule. */
export type AcknowledgementRule = (status: number, body: string) => boolean;

interface NotificationRow {
  id: string;
  provider: string;
  account_id: string;
  out_trade_no: string;
  kind: string;
  url: string;
  content_type: string;
  body: string;
  schedule_ms: number[];
  state: NotificationState;
  attempts: DeliveryAttempt[];
  next_attempt_at: Date | null;
  created_at: Date;
  signing: NotificationSigning | null;
}

const ROW_COLUMNS =
  'id, provider, account_id, out_trade_no, kind, url, content_type, body, schedule_ms, state, attempts, next_attempt_at, created_at, signing';

const CLAIM_BATCH = 20;
/** A claimed notification is invisible to other claimers this long, longer than one attempt can take. */
const LEASE_MS = 2 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const POLL_MS = 1_000;
const RECORDED_BODY_CHARS = 2_000;

/**
 * Sends simulators' notifications and retries them on each provider's schedule. Notifications
 * and their attempts are rows in PostgreSQL, so pending retries survive a restart; the timer is
 * only a hint, and a slow poll picks up whatever it missed.
 */
export class Notifier {
  private readonly runner: DueRunner;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly acknowledges: (provider: string) => AcknowledgementRule,
    /** The provider's hook for per-attempt headers, if it has one; looked up at each attempt, as `acknowledges` is. */
    private readonly headersFor: (provider: string) => NotificationHeadersHook | undefined = () => undefined,
  ) {
    this.runner = new DueRunner(
      () => this.runDue(),
      (error) => this.logger.error({ err: error }, 'notification dispatch failed'),
      POLL_MS,
    );
  }

  private get stopped(): boolean {
    return this.runner.isStopped;
  }

  private wakeAt(at: number): void {
    this.runner.wakeAt(at);
  }

  start(): void {
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  async enqueue(notification: OutboundNotification, plan: DeliveryPlan): Promise<void> {
    const now = new Date();
    const firstAt = new Date(now.getTime() + plan.delayMs);
    const copies = plan.drop ? 1 : Math.max(1, plan.copies);
    for (let i = 0; i < copies; i++) {
      await this.pool.query(
        `INSERT INTO sandbox_notifications
           (provider, account_id, out_trade_no, kind, url, content_type, body, schedule_ms, state, next_attempt_at, created_at, signing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          notification.provider,
          notification.accountId,
          notification.outTradeNo,
          notification.kind,
          notification.url,
          notification.contentType,
          notification.body,
          plan.retryScheduleMs.map((ms) => Math.max(1, Math.round(ms))),
          plan.drop ? 'dropped' : 'pending',
          plan.drop ? null : firstAt,
          now,
          notification.signing === undefined ? null : JSON.stringify(notification.signing),
        ],
      );
    }
    this.logger.info(
      {
        provider: notification.provider,
        out_trade_no: notification.outTradeNo,
        kind: notification.kind,
        copies,
        drop: plan.drop,
      },
      'notification queued',
    );
    if (!plan.drop) this.wakeAt(firstAt.getTime());
  }

  async listFor(provider: string, accountId: string, outTradeNo: string): Promise<NotificationRecord[]> {
    const { rows } = await this.pool.query<NotificationRow>(
      `SELECT ${ROW_COLUMNS}
         FROM sandbox_notifications WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3 ORDER BY id`,
      [provider, accountId, outTradeNo],
    );
    return rows.map((row) => ({
      id: String(row.id),
      kind: row.kind,
      url: row.url,
      state: row.state,
      body: row.body,
      created_at: row.created_at.toISOString(),
      next_attempt_at: row.state === 'pending' && row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
      attempts: row.attempts,
    }));
  }

  private async runDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = new Date();
      const { rows } = await this.pool.query<NotificationRow>(
        `UPDATE sandbox_notifications SET next_attempt_at = $2
          WHERE id IN (SELECT id FROM sandbox_notifications
                        WHERE state = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING ${ROW_COLUMNS}`,
        [now, new Date(now.getTime() + LEASE_MS)],
      );
      for (const row of rows) {
        const delivery = this.deliver(row).catch((error: unknown) =>
          this.logger.error({ err: error, notification: row.id }, 'recording a notification attempt failed'),
        );
        this.inFlight.add(delivery);
        void delivery.finally(() => this.inFlight.delete(delivery));
      }
      if (rows.length < CLAIM_BATCH) break;
    }
    const next = await this.pool.query<{ at: Date | null }>(
      "SELECT min(next_attempt_at) AS at FROM sandbox_notifications WHERE state = 'pending'",
    );
    if (next.rows[0]?.at) this.wakeAt(next.rows[0].at.getTime());
  }

  private async deliver(row: NotificationRow): Promise<void> {
    const made = row.attempts.length + 1;
    const started = Date.now();
    const attempt: DeliveryAttempt = {
      at: new Date(started).toISOString(),
      status: null,
      body: null,
      error: null,
      duration_ms: 0,
    };
    try {
      const headers = new Headers(await this.attemptHeaders(row, made));
      headers.set('content-type', row.content_type);
      const response = await fetch(row.url, {
        method: 'POST',
        headers,
        body: row.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), this.abort.signal]),
      });
      attempt.status = response.status;
      attempt.body = (await response.text()).slice(0, RECORDED_BODY_CHARS);
    } catch (error) {
      attempt.error = describeError(error);
    }
    attempt.duration_ms = Date.now() - started;
    if (this.stopped && attempt.status === null) return; // shutting down: the lease expires and a later run retries it
    const accepted = attempt.status !== null && this.acknowledges(row.provider)(attempt.status, attempt.body ?? '');
    const waitMs = row.schedule_ms[made - 1];
    const state: NotificationState = accepted ? 'delivered' : waitMs === undefined ? 'exhausted' : 'pending';
    const nextAt = state === 'pending' ? new Date(Date.now() + (waitMs ?? 0)) : null;
    await this.pool.query(
      'UPDATE sandbox_notifications SET attempts = attempts || $2::jsonb, state = $3, next_attempt_at = $4 WHERE id = $1',
      [row.id, JSON.stringify([attempt]), state, nextAt],
    );
    this.logger.info(
      { notification: row.id, kind: row.kind, status: attempt.status, error: attempt.error, attempt: made, state },
      'notification attempt',
    );
    if (nextAt) this.wakeAt(nextAt.getTime());
  }

  /** The provider's headers for this attempt; a hook that fails fails the attempt, which is then retried. */
  private async attemptHeaders(row: NotificationRow, attempt: number): Promise<Record<string, string>> {
    const hook = this.headersFor(row.provider);
    if (!hook) return {};
    try {
      return await hook({
        accountId: row.account_id,
        outTradeNo: row.out_trade_no,
        kind: row.kind,
        body: row.body,
        attempt,
        signing: row.signing,
      });
    } catch (error) {
      throw new NotificationHeadersError(row.provider, error);
    }
  }
}

/** Raised when a provider's `NotificationHeadersHook` fails; the attempt is recorded with it as its error. */
export class NotificationHeadersError extends Error {
  constructor(provider: string, cause: unknown) {
    super(`${provider} could not make this attempt's headers`, { cause });
    this.name = new.target.name;
  }
}

/** "TypeError: fetch failed" says nothing; the cause (refused, timed out, DNS) is what a merchant needs. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = `${error.name}: ${error.message}`;
  return error.cause === undefined ? text : `${text} (${describeError(error.cause)})`;
}
