import type { ProviderName } from '../domain/payment';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import type { NotificationOutcome } from './notifications.service';
import { pageOf, unknownCursor, type Page } from './pagination';

/** A provider's notification as recorded (api/notifications.service.ts), with the merchant of its account. */
export interface ProviderNotificationRow {
  id: string;
  provider: ProviderName;
  provider_account_id: string;
  merchant_id: string | null;
  out_trade_no: string | null;
  out_refund_no: string | null;
  payment_id: string | null;
  outcome: NotificationOutcome;
  reason: string | null;
  body_sha256: string | null;
  body_bytes: number | null;
  received_at: Date;
  /** On the single read only. */
  body?: string;
}

export interface NotificationFilter {
  limit: number;
  starting_after?: string;
  provider?: ProviderName;
  outcome?: NotificationOutcome;
  merchant?: string;
  provider_account?: string;
  payment?: string;
  'received[gte]'?: string;
  'received[lte]'?: string;
}

const COLUMNS = `n.id::text, n.provider, n.provider_account_id, a.merchant_id, n.out_trade_no, n.out_refund_no, n.payment_id,
  n.outcome, n.reason, n.body_sha256, n.body_bytes, n.received_at`;

/**
 * The log of provider notifications, newest first. Every filter narrows a range read by an index:
 * outcome → (outcome, received_at); an account or a merchant's accounts → (provider_account_id,
 * received_at); none → (received_at). The account's merchant comes from its primary key.
 */
export function createAdminNotificationsService(deps: ApiDeps) {
  return {
    async list(filter: NotificationFilter): Promise<Page<ProviderNotificationRow>> {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, ...values: unknown[]) => {
        conditions.push(sql);
        params.push(...values);
      };
      if (filter.provider) add('n.provider = ?', filter.provider);
      if (filter.outcome) add('n.outcome = ?', filter.outcome);
      if (filter.provider_account) add('n.provider_account_id = ?', filter.provider_account);
      if (filter.payment) add('n.payment_id = ?', filter.payment);
      if (filter['received[gte]']) add('n.received_at >= ?::timestamptz', filter['received[gte]']);
      if (filter['received[lte]']) add('n.received_at <= ?::timestamptz', filter['received[lte]']);
      if (filter.starting_after) {
        const [cursor] = await deps.db
          .fork()
          .execute<{ id: string }[]>(`select id::text from provider_notifications where id = ?::bigint`, [
            filter.starting_after,
          ]);
        if (!cursor) throw unknownCursor('provider notification', filter.starting_after);
        add(
          '(n.received_at, n.id) < (select received_at, id from provider_notifications where id = ?::bigint)',
          filter.starting_after,
        );
      }
      const where = conditions.length ? conditions.join(' and ') : 'true';
      const limit = filter.limit + 1;
      // A merchant's: the page of each of its accounts (a few), read by (provider_account_id,
      // received_at), then merged; reading everyone's newest first until the merchant's came
      // cost 1,297 buffers instead of 71 with 20 merchants' 5,000 notifications.
      const rows = await deps.db.fork().execute<ProviderNotificationRow[]>(
        filter.merchant
          ? `select ${COLUMNS} from provider_accounts a cross join lateral (
               select * from provider_notifications n where n.provider_account_id = a.id and ${where}
                order by n.received_at desc, n.id desc limit ?) n
              where a.merchant_id = ? order by n.received_at desc, n.id desc limit ?`
          : `select ${COLUMNS} from provider_notifications n left join provider_accounts a on a.id = n.provider_account_id
              where ${where} order by n.received_at desc, n.id desc limit ?`,
        filter.merchant ? [...params, limit, filter.merchant, limit] : [...params, limit],
      );
      return pageOf(rows, filter.limit);
    },

    /** One notification with its stored body (a refused one's first 2 KB; see REFUSED_BODY_BYTES). */
    async find(id: string): Promise<ProviderNotificationRow> {
      const [row] = await deps.db
        .fork()
        .execute<ProviderNotificationRow[]>(
          `select ${COLUMNS}, n.body from provider_notifications n left join provider_accounts a on a.id = n.provider_account_id where n.id = ?::bigint`,
          [id],
        );
      if (!row) throw new NotFoundError('provider notification', id);
      return row;
    },
  };
}

export type AdminNotificationsService = ReturnType<typeof createAdminNotificationsService>;
