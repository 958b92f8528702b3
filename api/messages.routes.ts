import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { normalizeEmail, normalizePhone } from '../domain/customer';
import { MESSAGE_CHANNELS, MESSAGE_STATUSES, type MessageRecord } from '../domain/message';
import type { MessagesService, MessageWithAttempts } from './messages.service';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { customerIdSchema, listQuerySchema, parse, pathId, text } from './validation';

// API.md "Platform administration", Messaging: GET /v1/admin/messages and /v1/admin/messages/:id.
// What is shown is what is stored for people to read: the body with its codes masked, never the
// sealed variables.

/** A phone in any form the outbox takes, or an e-mail address: normalised as the outbox stored it. */
const recipient = text()
  .trim()
  .min(1)
  .max(254)
  .transform((value, ctx) => {
    const normalized = value.includes('@') ? normalizeEmail(value) : normalizePhone(value);
    if (normalized === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an e-mail address or a phone number with its country code (+86 138 0013 8000)',
        input: value,
      });
      return z.NEVER;
    }
    return normalized;
  });

export const listMessagesSchema = z.strictObject({
  ...listQuerySchema,
  to: recipient.optional(),
  template: text()
    .regex(/^[a-z][a-z0-9_]{1,63}$/, 'a template code, like payment_receipt')
    .optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  merchant: text()
    .regex(/^mer_[0-9A-Za-z]{1,64}$/, 'must be a merchant id (mer_…)')
    .optional(),
  customer: customerIdSchema.optional(),
  object: text().min(1).max(255).optional(),
  'created[gte]': z.iso.datetime({ offset: true }).optional(),
  'created[lte]': z.iso.datetime({ offset: true }).optional(),
});

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

/** API.md's message object; `attempts` on the single GET (and a test send's answer). */
export function toMessageObject(message: MessageRecord | MessageWithAttempts) {
  return {
    id: message.id,
    object: 'message' as const,
    merchant: message.merchantId,
    livemode: message.livemode,
    template: message.template,
    template_version: message.templateVersion,
    channel: message.channel,
    // Null once the customer it was sent to was erased.
    to: message.recipient,
    locale: message.locale,
    object_id: message.objectId,
    customer: message.customerId,
    subject: message.subject,
    // Rendered when the workflow prepares it, codes masked; null until then.
    body: message.body,
    status: message.status,
    failure_code: message.failureCode,
    failure_message: message.failureMessage,
    attempt_count: message.attemptCount,
    created_at: new Date(message.createdAt).toISOString(),
    sent_at: iso(message.sentAt),
    delivered_at: iso(message.deliveredAt),
    ...('attempts' in message
      ? {
          attempts: message.attempts.map((attempt) => ({
            number: attempt.number,
            at: iso(attempt.at),
            outcome: attempt.outcome,
            code: attempt.code,
            message: attempt.message,
            request_id: attempt.requestId,
            latency_ms: attempt.latencyMs,
          })),
        }
      : {}),
  };
}

/** Platform administration's message log; behind admin authentication like every /v1/admin route. */
export function messagesRoutes(messages: MessagesService): Router {
  const router = Router();

  router.get('/messages', async (req: Request, res: Response) => {
    const query = parse(listMessagesSchema, req.query, 'query');
    const { data, hasMore } = await messages.list({
      ...query,
      created_gte: query['created[gte]'] ? new Date(query['created[gte]']) : undefined,
      created_lte: query['created[lte]'] ? new Date(query['created[lte]']) : undefined,
    });
    await sendJson(req, res, 200, listObject('/v1/admin/messages', data.map(toMessageObject), hasMore));
  });

  router.get('/messages/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toMessageObject(await messages.find(pathId(req, 'msg', 'message'))));
  });

  return router;
}
