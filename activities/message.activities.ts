import { performance } from 'node:perf_hooks';
import { newId } from '../domain/ids';
import {
  isFinalMessageStatus,
  publishedContent,
  type MessageChannel,
  type MessageRecord,
  type MessageStatus,
} from '../domain/message';
import { MessageSchema, MessageTemplateSchema } from '../db/entities';
import { sandboxEndpoints, ALIYUN_LIVE_ENDPOINTS, AliyunTransport } from '../messaging/aliyun/aliyun.transport';
import { renderTemplate, templateParam } from '../messaging/template-render';
import { MessageSendError, type AliyunCredentials, type MessageTransport } from '../messaging/transport';
import type { ActivityDeps } from './deps';

/** How long a message may take to go out: a code is useless after its 10 minutes, a receipt is not. */
const SEND_WINDOW_SECONDS = { code: 15 * 60, other: 24 * 3600 };

export interface PreparedMessage {
  channel: MessageChannel;
  status: MessageStatus;
  /** Attempts recorded before this run (a workflow reset or replayed from scratch counts on). */
  attemptCount: number;
  /** Seconds after its creation the message may still be sent; past them it fails. */
  sendWindowSeconds: number;
}

/** One send's outcome: the provider's refusals are outcomes the workflow schedules, never exceptions. */
export type SendOutcome =
  { kind: 'sent' } | { kind: 'retryable' | 'throttled' | 'final'; code: string; message: string };

export type ReceiptOutcome = 'waiting' | 'delivered' | 'undeliverable';

/** The sandbox's answer to `POST /_control/accounts {"provider":"aliyun"}`. */
interface SandboxAliyunAccount {
  access_key_id: string;
  access_key_secret: string;
  sign_name: string;
  sender_address: string;
  from_alias: string | null;
}

export function createMessageActivities(deps: ActivityDeps) {
  const { db } = deps;
  /** One transport per account, rebuilt when its sealed credentials change. */
  const transports = new Map<string, { sealed: string; transport: MessageTransport }>();

  async function loadMessage(messageId: string): Promise<MessageRecord> {
    const message = await db.fork().findOne(MessageSchema, { id: messageId });
    if (!message) throw new Error(`message ${messageId} does not exist`);
    return message;
  }

  /** The merchant's own Aliyun account, else the platform's; in test mode opened at the sandbox on first need. */
  async function accountFor(message: MessageRecord): Promise<{ id: string; sealed: string }> {
    const find = () =>
      db.fork().execute<{ id: string; credentials_encrypted: string }[]>(
        `select id, credentials_encrypted from message_accounts
          where (merchant_id = ? or merchant_id is null) and livemode = ?
          order by merchant_id is null limit 1`,
        [message.merchantId, message.livemode],
      );
    let [row] = await find();
    if (!row && !message.livemode && deps.providerEnv.sandboxUrl) {
      await openSandboxAccount(deps.providerEnv.sandboxUrl);
      [row] = await find();
    }
    if (!row)
      throw new MessageSendError(
        `No Aliyun account for ${message.livemode ? 'live' : 'test'} mode: an admin must add one.`,
        'final',
        'no_message_account',
      );
    return { id: row.id, sealed: row.credentials_encrypted };
  }

  async function openSandboxAccount(sandboxUrl: string): Promise<void> {
    const response = await fetch(`${sandboxUrl}/_control/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'aliyun' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`the sandbox refused to open an Aliyun account: HTTP ${response.status}`);
    const answer = (await response.json()) as SandboxAliyunAccount;
    const credentials: AliyunCredentials = {
      accessKeyId: answer.access_key_id,
      accessKeySecret: answer.access_key_secret,
      signName: answer.sign_name,
      senderAddress: answer.sender_address,
      fromAlias: answer.from_alias,
    };
    // Two workers opening one at once: the first stored wins, the other's sandbox account goes unused.
    await db.fork().execute(
      `insert into message_accounts (id, merchant_id, livemode, provider, external_id, credentials_encrypted)
         values (?, null, false, 'aliyun', ?, ?) on conflict do nothing`,
      [newId('messageAccount'), credentials.accessKeyId, deps.secretBox.seal(credentials)],
    );
    deps.logger.info({ accessKeyId: credentials.accessKeyId }, 'opened the platform Aliyun account at the sandbox');
  }

  async function transportFor(
    message: MessageRecord,
  ): Promise<{ transport: MessageTransport; credentials: AliyunCredentials }> {
    const account = await accountFor(message);
    const credentials = deps.secretBox.open(account.sealed) as AliyunCredentials;
    const cached = transports.get(account.id);
    if (cached?.sealed === account.sealed) return { transport: cached.transport, credentials };
    const endpoints = message.livemode
      ? ALIYUN_LIVE_ENDPOINTS
      : sandboxEndpoints(deps.providerEnv.sandboxUrl ?? 'http://sandbox-not-configured.invalid');
    const transport = new AliyunTransport({ credentials, endpoints });
    transports.set(account.id, { sealed: account.sealed, transport });
    return { transport, credentials };
  }

  /** Records one attempt and what it did to the message, in one transaction. */
  async function recordAttempt(
    message: MessageRecord,
    number: number,
    attempt: {
      at: Date;
      outcome: 'sent' | MessageSendError['kind'];
      code: string;
      message: string | null;
      requestId: string | null;
      latencyMs: number;
    },
    change: { status: MessageStatus; providerMessageId?: string; failureCode?: string; failureMessage?: string },
  ): Promise<void> {
    const changed = await db.fork().transactional(async (tx) => {
      await tx.execute(
        `insert into message_attempts (message_id, number, at, outcome, code, message, request_id, latency_ms)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (message_id, number) do nothing`,
        [
          message.id,
          number,
          attempt.at,
          attempt.outcome,
          attempt.code,
          attempt.message,
          attempt.requestId,
          attempt.latencyMs,
        ],
      );
      const updated = await tx.execute(
        `update messages set status = ?, attempt_count = greatest(attempt_count, ?),
           provider_message_id = coalesce(?, provider_message_id),
           failure_code = ?, failure_message = ?,
           sent_at = case when ? then coalesce(sent_at, ?) else sent_at end,
           delivered_at = case when ? = 'delivered' then coalesce(delivered_at, ?) else delivered_at end,
           updated_at = now()
         where id = ? and status = 'pending' returning id`,
        [
          change.status,
          number,
          change.providerMessageId ?? null,
          change.failureCode ?? null,
          change.failureMessage ?? null,
          change.providerMessageId !== undefined,
          attempt.at,
          change.status,
          attempt.at,
          message.id,
        ],
      );
      return updated.length > 0;
    });
    if (changed && change.status !== 'pending') statusReached(message.channel, change.status);
  }

  /** Counts a message's new status (metrics), once its write changed the row. */
  function statusReached(channel: string, status: MessageStatus): void {
    deps.metrics?.messageStatus({ channel, status });
  }

  /** The message's template and its published content; null when it has none published. */
  async function content(message: MessageRecord) {
    const template = await db.fork().findOne(MessageTemplateSchema, {
      code: message.template,
      channel: message.channel,
      locale: message.locale,
    });
    const published = template && publishedContent(template);
    return template && published ? { template, content: published } : null;
  }

  return {
    /**
     * Renders the message from its template's published version (once: a later edit does not
     * change a message already rendered) and stores the text with its codes masked.
     */
    async prepareMessage(input: { messageId: string }): Promise<PreparedMessage> {
      const message = await loadMessage(input.messageId);
      const found = await content(message);
      const sendWindowSeconds = found?.content.variables.some((variable) => variable.secret)
        ? SEND_WINDOW_SECONDS.code
        : SEND_WINDOW_SECONDS.other;
      const prepared = { channel: message.channel, attemptCount: message.attemptCount, sendWindowSeconds };
      if (isFinalMessageStatus(message.status) || message.body !== null) return { ...prepared, status: message.status };
      if (!found) {
        const failed = await db.fork().execute(
          `update messages set status = 'failed', failure_code = 'template_missing',
             failure_message = 'The template was unpublished before the message was sent.', updated_at = now()
           where id = ? and status = 'pending' returning id`,
          [message.id],
        );
        if (failed.length > 0) statusReached(message.channel, 'failed');
        return { ...prepared, status: 'failed' };
      }
      const values = deps.secretBox.open(message.variablesEncrypted) as Record<string, string>;
      const rendered = renderTemplate(found.content, values, { maskSecrets: true });
      await db.fork().execute(
        `update messages set subject = ?, body = ?, template_version = ?, template_content = ?::jsonb, updated_at = now()
            where id = ? and body is null`,
        [rendered.subject, rendered.text, found.template.version, JSON.stringify(found.content), message.id],
      );
      return { ...prepared, status: message.status };
    },

    /**
     * Sends the message once and records the attempt. `checkFirst`: the previous attempt's answer
     * was lost (a timeout, a worker that died mid-call), so Aliyun is asked first whether it took
     * that SMS (by our OutId): a receipt is never sent twice. Direct Mail cannot be asked; an
     * e-mail whose answer was lost is sent again.
     */
    async attemptMessageSend(input: { messageId: string; number: number; checkFirst: boolean }): Promise<SendOutcome> {
      const message = await loadMessage(input.messageId);
      if (message.status !== 'pending') return { kind: 'sent' };
      // What prepareMessage rendered: a version published since does not change a message under way.
      const found = message.templateContent ? { content: message.templateContent } : await content(message);
      if (!found || message.recipient === null)
        return { kind: 'final', code: 'template_missing', message: 'no published template or no recipient' };
      const values = deps.secretBox.open(message.variablesEncrypted) as Record<string, string>;
      const at = new Date();
      const started = performance.now();
      const latencyMs = () => Math.round(performance.now() - started);
      try {
        const { transport, credentials } = await transportFor(message);
        if (message.channel === 'sms') {
          const earlier = input.checkFirst
            ? await transport.findSms({
                phone: aliyunPhone(message.recipient),
                outId: message.id,
                sentAt: message.createdAt,
              })
            : null;
          const sent = earlier
            ? { bizId: earlier, requestId: null }
            : await transport.sendSms({
                phone: aliyunPhone(message.recipient),
                signName: credentials.signName,
                templateCode: found.content.aliyunTemplateCode ?? '',
                templateParam: templateParam(found.content, values),
                outId: message.id,
              });
          const code = earlier ? 'found_after_lost_answer' : 'OK';
          await recordAttempt(
            message,
            input.number,
            { at, outcome: 'sent', code, message: null, requestId: sent.requestId, latencyMs: latencyMs() },
            { status: 'sent', providerMessageId: sent.bizId },
          );
        } else {
          const rendered = renderTemplate(found.content, values, { maskSecrets: false });
          const sent = await transport.sendEmail({
            to: message.recipient,
            subject: rendered.subject ?? '',
            textBody: rendered.text,
            htmlBody: rendered.html,
          });
          // Direct Mail tells us no more than that it took the mail.
          await recordAttempt(
            message,
            input.number,
            { at, outcome: 'sent', code: 'OK', message: null, requestId: sent.requestId, latencyMs: latencyMs() },
            { status: 'delivered', providerMessageId: sent.envId },
          );
        }
        return { kind: 'sent' };
      } catch (error) {
        if (!(error instanceof MessageSendError)) throw error;
        const attempt = {
          at,
          outcome: error.kind,
          code: error.code,
          message: error.message,
          requestId: error.requestId,
          latencyMs: latencyMs(),
        };
        const change =
          error.kind === 'final'
            ? { status: 'failed' as const, failureCode: error.code, failureMessage: error.message }
            : { status: 'pending' as const, failureCode: error.code, failureMessage: error.message };
        await recordAttempt(message, input.number, attempt, change);
        return { kind: error.kind, code: error.code, message: error.message };
      }
    },

    /** Asks Aliyun whether the SMS reached the handset; records delivered or undeliverable once it knows. */
    async queryMessageReceipt(input: { messageId: string }): Promise<ReceiptOutcome> {
      const message = await loadMessage(input.messageId);
      if (message.status === 'delivered') return 'delivered';
      if (message.status !== 'sent') return 'undeliverable';
      const { transport } = await transportFor(message);
      let receipt;
      try {
        receipt = await transport.querySmsReceipt({
          phone: aliyunPhone(message.recipient ?? ''),
          bizId: message.providerMessageId ?? '',
          sentAt: message.sentAt ?? message.createdAt,
        });
      } catch (error) {
        // A query Aliyun refuses for good (the account's key revoked since) leaves the message sent, unknown.
        if (error instanceof MessageSendError && error.kind === 'final') return 'waiting';
        throw error;
      }
      if (!receipt || receipt.status === 'waiting') return 'waiting';
      const delivered = receipt.status === 'delivered';
      const updated = await db.fork().execute(
        `update messages set status = ?, delivered_at = ?, failure_code = ?, failure_message = ?, updated_at = now()
          where id = ? and status = 'sent' returning id`,
        [
          delivered ? 'delivered' : 'undeliverable',
          delivered ? (receipt.receivedAt ?? new Date().toISOString()) : null,
          delivered ? null : (receipt.errorCode ?? 'failed'),
          delivered ? null : 'The carrier could not deliver the SMS.',
          message.id,
        ],
      );
      if (updated.length > 0) statusReached(message.channel, delivered ? 'delivered' : 'undeliverable');
      return delivered ? 'delivered' : 'undeliverable';
    },

    /** Ends a message the workflow gave up on: retries exhausted (failed), or no receipt ever came (undeliverable). */
    async giveUpMessage(input: {
      messageId: string;
      status: 'failed' | 'undeliverable';
      code: string;
      reason: string;
    }): Promise<void> {
      const updated = await db.fork().execute<{ channel: string }[]>(
        `update messages set status = ?, failure_code = ?, failure_message = ?, updated_at = now()
          where id = ? and status in ('pending', 'sent') returning channel`,
        [input.status, input.code, input.reason, input.messageId],
      );
      if (updated.length > 0) statusReached(updated[0].channel, input.status);
    },

    /** The message's status as stored, for the workflow's search attribute. */
    async messageStatus(input: { messageId: string }): Promise<MessageStatus> {
      return (await loadMessage(input.messageId)).status;
    },
  };
}

/** Aliyun's SendSms takes mainland numbers without `+86`; others keep their `+` and country code. */
function aliyunPhone(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : e164;
}
