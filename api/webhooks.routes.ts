import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events';
import { merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { metadataSchema, plainListQuerySchema, parse, text, withoutControlCharacters, pathId } from './validation';
import { MAX_SECRET_GRACE_SECONDS, type WebhooksService } from './webhooks.service';
import { toWebhookDeliveryObject, toWebhookEndpointObject } from './webhook-objects';

const endpointUrl = withoutControlCharacters(z.url({ protocol: /^https?$/ }))
  .max(2048)
  // Credentials in the URL would be stored and shown in clear; merchants verify the signature instead.
  .refine((url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url), 'must not contain a user name or password');

const enabledEvents = z
  .array(z.enum([...EVENT_TYPES, '*']))
  .min(1, 'at least one event type, or "*"')
  .max(EVENT_TYPES.length + 1)
  .refine(
    (types) => !types.includes('*') || types.every((type) => type === '*'),
    '"*" already includes every type; send it alone',
  );

export const createWebhookEndpointSchema = z.strictObject({
  url: endpointUrl,
  enabled_events: enabledEvents,
  description: text('free_text').max(256).optional(),
  metadata: metadataSchema.default({}),
});

export const updateWebhookEndpointSchema = z.strictObject({
  url: endpointUrl.optional(),
  enabled_events: enabledEvents.optional(),
  description: text('free_text').max(256).nullable().optional(),
  metadata: metadataSchema.optional(),
  disabled: z.boolean().optional().describe('true: no events are sent to it until it is enabled again.'),
});

export const rollSecretSchema = z.strictObject({
  expires_in: z
    .number()
    .int()
    .min(0)
    .max(MAX_SECRET_GRACE_SECONDS)
    .default(0)
    .describe('Seconds the old secret keeps signing deliveries too (a second v1= in the header); 0: not at all.'),
});

export const webhookEndpointId = (req: Request): string => pathId(req, 'we', 'webhook endpoint');

export function webhooksRoutes(webhooks: WebhooksService): Router {
  const router = Router();

  router.post('/webhook_endpoints', async (req: Request, res: Response) => {
    const params = parse(createWebhookEndpointSchema, req.body);
    const { endpoint, secret } = await webhooks.create(merchantOf(req), params);
    await sendJson(req, res, 201, { ...toWebhookEndpointObject(endpoint), secret });
  });

  router.get('/webhook_endpoints', async (req: Request, res: Response) => {
    const query = parse(plainListQuerySchema, req.query, 'query');
    const { data, hasMore } = await webhooks.list(merchantOf(req), query);
    await sendJson(req, res, 200, listObject('/v1/webhook_endpoints', data.map(toWebhookEndpointObject), hasMore));
  });

  router.get('/webhook_endpoints/:id', async (req: Request, res: Response) => {
    await sendJson(
      req,
      res,
      200,
      toWebhookEndpointObject(await webhooks.find(merchantOf(req), webhookEndpointId(req))),
    );
  });

  router.post('/webhook_endpoints/:id', async (req: Request, res: Response) => {
    const id = webhookEndpointId(req);
    const params = parse(updateWebhookEndpointSchema, req.body);
    await sendJson(req, res, 200, toWebhookEndpointObject(await webhooks.update(merchantOf(req), id, params)));
  });

  router.post('/webhook_endpoints/:id/roll_secret', async (req: Request, res: Response) => {
    const id = webhookEndpointId(req);
    const params = parse(rollSecretSchema, req.body ?? {});
    const { endpoint, secret } = await webhooks.rollSecret(merchantOf(req), id, params.expires_in);
    await sendJson(req, res, 200, { ...toWebhookEndpointObject(endpoint), secret });
  });

  router.get('/webhook_endpoints/:id/deliveries', async (req: Request, res: Response) => {
    const id = webhookEndpointId(req);
    const query = parse(plainListQuerySchema, req.query, 'query');
    const { data, hasMore } = await webhooks.endpointDeliveries(merchantOf(req), id, query);
    await sendJson(
      req,
      res,
      200,
      listObject(`/v1/webhook_endpoints/${id}/deliveries`, data.map(toWebhookDeliveryObject), hasMore),
    );
  });

  router.delete('/webhook_endpoints/:id', async (req: Request, res: Response) => {
    const deleted = await webhooks.delete(merchantOf(req), webhookEndpointId(req));
    await sendJson(req, res, 200, { id: deleted.id, object: 'webhook_endpoint', deleted: true });
  });

  return router;
}
