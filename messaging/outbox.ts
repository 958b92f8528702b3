import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { normalizeEmail, normalizePhone } from '../domain/customer';
import { newId } from '../domain/ids';
import {
  maskRecipient,
  messageIdempotencyKey,
  missingValues,
  publishedContent,
  type MessageChannel,
  type MessageLocale,
  type MessageStatus,
  type MessageWorkflowInput,
} from '../domain/message';
import { ChannelKey, DeliveryStatusKey, MerchantIdKey, MessageKeysKey } from '../domain/search-attributes';
import { messageWorkflowId } from '../domain/workflow-ids';
import { MessageTemplateSchema } from '../db/entities';
import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';

/** Asking for a message: the API (test sends, checkout codes, Kratos' courier) and activities (receipts). */
export interface MessageRequest {
  /** Whose message it is; null for the platform's own (Kratos' codes, alerts to admins). */
  merchantId: string | null;
  livemode: boolean;
  /** The template's code, e.g. `payment_receipt`. */
  template: string;
  channel: MessageChannel;
  /** A phone (any form domain/customer.ts normalizePhone takes) for SMS, an e-mail address for e-mail. */
  to: string;
  locale: MessageLocale;
  /** The template's values; extra ones are ignored, a missing one is refused. */
  variables: Record<string, string>;
  /** What the message is about (`pay_…`, `re_…`, a verification, a courier message): see `requestMessage`. */
  objectId: string;
  customerId?: string | null;
}

export interface MessageRef {
  id: string;
  status: MessageStatus;
  /** False when the same message had been asked for before: nothing new was sent. */
  created: boolean;
}

export interface OutboxDeps {
  db: Database;
  secretBox: SecretBox;
  temporal: Client;
  taskQueue: string;
  /** Divides the message workflows' timers; 1 in production. */
  timeScale: number;
}

/** Raised when a request for a message cannot be sent as asked: the caller's mistake, never worth a retry. */
export abstract class MessageRequestError extends Error {}

/** Raised when no published template exists for the code, channel and locale asked for. */
export class MessageTemplateMissingError extends MessageRequestError {
  constructor(
    readonly template: string,
    readonly channel: MessageChannel,
    readonly locale: MessageLocale,
  ) {
    super(`No published ${channel} template '${template}' in ${locale}.`);
    this.name = 'MessageTemplateMissingError';
  }
}

/** Raised when a request leaves out a value the template's published version declares. */
export class MessageVariablesMissingError extends MessageRequestError {
  constructor(readonly names: string[]) {
    super(`Missing template variables: ${names.join(', ')}.`);
    this.name = 'MessageVariablesMissingError';
  }
}

/** Raised when the recipient is not a phone number (SMS) or an e-mail address (e-mail). */
export class MessageRecipientInvalidError extends MessageRequestError {
  constructor(readonly channel: MessageChannel) {
    super(channel === 'sms' ? 'The recipient is not a valid phone number.' : 'The recipient is not an e-mail address.');
    this.name = 'MessageRecipientInvalidError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeRecipient(channel: MessageChannel, to: string): string {
  const normalized = channel === 'sms' ? normalizePhone(to) : normalizeEmail(to);
  if (normalized === null || (channel === 'email' && !EMAIL.test(normalized)))
    throw new MessageRecipientInvalidError(channel);
  return normalized;
}

/**
 * Stores the message and starts its workflow `message/<msg_id>`, which renders, sends, retries and
 * follows the delivery. Idempotent per (template, object, channel, recipient): asking again (a
 * retried activity, a second notification, Kratos retrying its courier) answers the first message
 * and sends nothing. The template is checked here, so a caller hears at once that it cannot be sent.
 */
export async function requestMessage(deps: OutboxDeps, request: MessageRequest): Promise<MessageRef> {
  const to = normalizeRecipient(request.channel, request.to);
  const em = deps.db.fork();
  const template = await em.findOne(MessageTemplateSchema, {
    code: request.template,
    channel: request.channel,
    locale: request.locale,
  });
  const content = template && publishedContent(template);
  if (!content) throw new MessageTemplateMissingError(request.template, request.channel, request.locale);
  const missing = missingValues(content, request.variables);
  if (missing.length) throw new MessageVariablesMissingError(missing);

  const idempotencyKey = messageIdempotencyKey({ ...request, to });
  const [inserted] = await em.execute<{ id: string; status: MessageStatus }[]>(
    `insert into messages (id, merchant_id, livemode, template, channel, recipient, locale, object_id, customer_id,
       idempotency_key, variables_encrypted)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (idempotency_key) do nothing returning id, status`,
    [
      newId('message'),
      request.merchantId,
      request.livemode,
      request.template,
      request.channel,
      to,
      request.locale,
      request.objectId,
      request.customerId ?? null,
      idempotencyKey,
      deps.secretBox.seal(request.variables),
    ],
  );
  const [message] = inserted
    ? [inserted]
    : await em.execute<{ id: string; status: MessageStatus }[]>(
        `select id, status from messages where idempotency_key = ?`,
        [idempotencyKey],
      );
  // Started even when the row existed: the process that wrote it may have died before starting it.
  await startMessageWorkflow(deps, {
    id: message.id,
    merchantId: request.merchantId,
    channel: request.channel,
    keys: [message.id, request.template, maskRecipient(to), request.objectId, request.customerId ?? null],
  });
  return { id: message.id, status: message.status, created: inserted !== undefined };
}

async function startMessageWorkflow(
  deps: OutboxDeps,
  message: { id: string; merchantId: string | null; channel: MessageChannel; keys: (string | null)[] },
): Promise<void> {
  const input: MessageWorkflowInput = { messageId: message.id, timeScale: deps.timeScale };
  const searchAttributes: SearchAttributePair[] = [
    { key: ChannelKey, value: message.channel },
    { key: DeliveryStatusKey, value: 'pending' },
    { key: MessageKeysKey, value: message.keys.filter((key): key is string => key !== null) },
  ];
  if (message.merchantId) searchAttributes.push({ key: MerchantIdKey, value: message.merchantId });
  try {
    await deps.temporal.workflow.start('messageWorkflow', {
      workflowId: messageWorkflowId(message.id),
      taskQueue: deps.taskQueue,
      args: [input],
      // A message is sent by one workflow run, ever: a late retry must not start a second.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: searchAttributes,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
