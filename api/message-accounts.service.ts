import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';
import { newId } from '../domain/ids';
import type { AliyunCredentials } from '../messaging/transport';
import { ConflictError, NotFoundError } from './errors';

/** An Aliyun account as admins see it: everything but the AccessKey secret, which is never shown again. */
export interface MessageAccountView {
  id: string;
  merchantId: string | null;
  livemode: boolean;
  accessKeyId: string;
  signName: string;
  senderAddress: string;
  fromAlias: string | null;
  createdAt: Date;
}

interface Row {
  id: string;
  merchant_id: string | null;
  livemode: boolean;
  credentials_encrypted: string;
  /** A raw query's timestamp: a string from the driver, not a Date. */
  created_at: string | Date;
}

/**
 * The Aliyun accounts that send SMS and e-mail (message_accounts): the platform's own per mode, and
 * optionally a merchant's, which then sends that merchant's receipts under its own sign name.
 * Credentials are sealed (db/secret-box.ts) before they are stored.
 */
export function createMessageAccountsService(deps: { db: Database; secretBox: SecretBox }) {
  const view = (row: Row): MessageAccountView => {
    const credentials = deps.secretBox.open(row.credentials_encrypted) as AliyunCredentials;
    return {
      id: row.id,
      merchantId: row.merchant_id,
      livemode: row.livemode,
      accessKeyId: credentials.accessKeyId,
      signName: credentials.signName,
      senderAddress: credentials.senderAddress,
      fromAlias: credentials.fromAlias,
      createdAt: new Date(row.created_at),
    };
  };
  const find = async (id: string): Promise<Row> => {
    const [row] = await deps.db.fork().execute<Row[]>(`select * from message_accounts where id = ?`, [id]);
    if (!row) throw new NotFoundError('message_account', id);
    return row;
  };

  return {
    async create(params: {
      merchantId: string | null;
      livemode: boolean;
      credentials: AliyunCredentials;
    }): Promise<MessageAccountView> {
      const em = deps.db.fork();
      if (params.merchantId) {
        const [merchant] = await em.execute(`select 1 from merchants where id = ?`, [params.merchantId]);
        if (!merchant) throw new NotFoundError('merchant', params.merchantId, 'merchant');
      }
      const [row] = await em.execute<Row[]>(
        `insert into message_accounts (id, merchant_id, livemode, provider, external_id, credentials_encrypted)
         values (?, ?, ?, 'aliyun', ?, ?) on conflict do nothing returning *`,
        [
          newId('messageAccount'),
          params.merchantId,
          params.livemode,
          params.credentials.accessKeyId,
          deps.secretBox.seal(params.credentials),
        ],
      );
      if (!row)
        throw new ConflictError(
          'message_account_exists',
          `${params.merchantId ?? 'The platform'} already has a ${params.livemode ? 'live' : 'test'}-mode Aliyun account; update it instead.`,
          'merchant',
        );
      return view(row);
    },

    /** Replaces an account's credentials (a rotated AccessKey, a new sign name); the next send uses them. */
    async update(id: string, credentials: AliyunCredentials): Promise<MessageAccountView> {
      await find(id);
      const [row] = await deps.db
        .fork()
        .execute<Row[]>(
          `update message_accounts set external_id = ?, credentials_encrypted = ? where id = ? returning *`,
          [credentials.accessKeyId, deps.secretBox.seal(credentials), id],
        );
      return view(row);
    },

    async list(): Promise<MessageAccountView[]> {
      const rows = await deps.db
        .fork()
        .execute<Row[]>(`select * from message_accounts order by merchant_id nulls first, livemode, created_at`);
      return rows.map(view);
    },
  };
}

export type MessageAccountsService = ReturnType<typeof createMessageAccountsService>;
