import type { Pool } from 'pg';
import type { SmsLimits } from './aliyun.model';

/** A message the sandbox accepted, SMS or email, as stored. */
export interface StoredMessage {
  id: string;
  accountId: string;
  channel: 'sms' | 'email';
  to: string;
  signName: string | null;
  templateCode: string | null;
  templateParam: Record<string, string> | null;
  subject: string | null;
  /** The text as the recipient reads it (an SMS with its 【sign】, an email's text or HTML body). */
  body: string;
  htmlBody: string | null;
  /** SMS BizId or Direct Mail EnvId. */
  bizId: string;
  outId: string | null;
  sentAt: Date;
  /** When the receipt turns final (SMS); the send time for email. */
  deliverAt: Date;
  outcome: 'delivered' | 'failed';
  errorCode: string | null;
}

/** What a receipt says now: waiting until `deliverAt`, then the outcome drawn at send time. */
export function messageStatus(message: StoredMessage, now = new Date()): 'sending' | 'delivered' | 'failed' {
  return now < message.deliverAt ? 'sending' : message.outcome;
}

interface Row {
  id: string;
  account_id: string;
  channel: 'sms' | 'email';
  recipient: string;
  sign_name: string | null;
  template_code: string | null;
  template_param: Record<string, string> | null;
  subject: string | null;
  body: string;
  html_body: string | null;
  biz_id: string;
  out_id: string | null;
  sent_at: Date;
  deliver_at: Date;
  outcome: 'delivered' | 'failed';
  error_code: string | null;
}

const fromRow = (row: Row): StoredMessage => ({
  id: `msg_${row.id}`,
  accountId: row.account_id,
  channel: row.channel,
  to: row.recipient,
  signName: row.sign_name,
  templateCode: row.template_code,
  templateParam: row.template_param,
  subject: row.subject,
  body: row.body,
  htmlBody: row.html_body,
  bizId: row.biz_id,
  outId: row.out_id,
  sentAt: row.sent_at,
  deliverAt: row.deliver_at,
  outcome: row.outcome,
  errorCode: row.error_code,
});

/** Which per-number limit a send would break, if any. */
export type LimitBroken = { window: 'minute' | 'hour' | 'day'; permits: number } | null;

export class AliyunMessages {
  constructor(private readonly pool: Pool) {}

  async insert(message: Omit<StoredMessage, 'id'>): Promise<StoredMessage> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO sandbox_aliyun_messages (account_id, channel, recipient, sign_name, template_code, template_param,
         subject, body, html_body, biz_id, out_id, sent_at, deliver_at, outcome, error_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [
        message.accountId,
        message.channel,
        message.to,
        message.signName,
        message.templateCode,
        message.templateParam === null ? null : JSON.stringify(message.templateParam),
        message.subject,
        message.body,
        message.htmlBody,
        message.bizId,
        message.outId,
        message.sentAt,
        message.deliverAt,
        message.outcome,
        message.errorCode,
      ],
    );
    return { ...message, id: `msg_${rows[0].id}` };
  }

  /**
   * Whether one more SMS to `phone` would exceed the account's limits. Windows are sliding and
   * divided by the time scale, as the sandbox's other delays are.
   */
  async limitBroken(
    accountId: string,
    phone: string,
    limits: SmsLimits,
    timeScale: number,
    now = new Date(),
  ): Promise<LimitBroken> {
    const windows = [
      { window: 'minute' as const, ms: 60_000, permits: limits.per_minute },
      { window: 'hour' as const, ms: 3_600_000, permits: limits.per_hour },
      { window: 'day' as const, ms: 86_400_000, permits: limits.per_day },
    ];
    const { rows } = await this.pool.query<{ sent_at: Date }>(
      `SELECT sent_at FROM sandbox_aliyun_messages WHERE account_id = $1 AND channel = 'sms' AND recipient = $2
       AND sent_at > $3 ORDER BY sent_at DESC`,
      [accountId, phone, new Date(now.getTime() - 86_400_000 / timeScale)],
    );
    for (const { window, ms, permits } of windows) {
      const since = now.getTime() - ms / timeScale;
      if (rows.filter((row) => row.sent_at.getTime() > since).length >= permits) return { window, permits };
    }
    return null;
  }

  /** SMS to `phone` sent on the Beijing day starting at `dayStart`, optionally one BizId's, newest first. */
  async smsFor(accountId: string, phone: string, dayStart: Date, bizId: string | null): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM sandbox_aliyun_messages WHERE account_id = $1 AND channel = 'sms' AND recipient = $2
       AND sent_at >= $3 AND sent_at < $4 AND ($5::text IS NULL OR biz_id = $5) ORDER BY sent_at DESC, id DESC`,
      [accountId, phone, dayStart, new Date(dayStart.getTime() + 86_400_000), bizId],
    );
    return rows.map(fromRow);
  }

  /** Messages for the control API and the inbox, newest first. */
  async list(filter: { to?: string; account?: string; channel?: string; limit: number }): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM sandbox_aliyun_messages WHERE ($1::text IS NULL OR lower(recipient) = lower($1))
       AND ($2::text IS NULL OR account_id = $2) AND ($3::text IS NULL OR channel = $3)
       ORDER BY sent_at DESC, id DESC LIMIT $4`,
      [filter.to ?? null, filter.account ?? null, filter.channel ?? null, filter.limit],
    );
    return rows.map(fromRow);
  }
}
