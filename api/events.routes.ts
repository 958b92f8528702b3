import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events';
import { toEventObject } from '../domain/event-object';
import type { EventsService } from './events.service';
import { merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, parse, text, pathId } from './validation';
import { toWebhookDeliveryObject } from './webhook-objects';
import type { WebhooksService } from './webhooks.service';

export const listEventsSchema = z.strictObject({
  ...listQuerySchema,
  type: z.enum(EVENT_TYPES).optional(),
});

export const resendSchema = z.strictObject({
  webhook_endpoint: text()
    .regex(/^we_[0-9A-Za-z]{1,64}$/, 'a webhook endpoint id (we_…)')
    .optional(),
});

const eventId = (req: Request): string => pathId(req, 'evt', 'event');

export function eventsRoutes(events: EventsService, webhooks: WebhooksService): Router {
  const router = Router();

  router.get('/events', async (req: Request, res: Response) => {
    const { data, hasMore } = await events.list(merchantOf(req), parse(listEventsSchema, req.query, 'query'));
    await sendJson(req, res, 200, listObject('/v1/events', data.map(toEventObject), hasMore));
  });

  router.get('/events/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toEventObject(await events.find(merchantOf(req), eventId(req))));
  });

  // Every endpoint has at most one delivery of an event, so the list is short and never paged.
  router.get('/events/:id/deliveries', async (req: Request, res: Response) => {
    const deliveries = await webhooks.deliveries(merchantOf(req), eventId(req));
    await sendJson(
      req,
      res,
      200,
      listObject(`/v1/events/${req.params.id}/deliveries`, deliveries.map(toWebhookDeliveryObject), false),
    );
  });

  router.post('/events/:id/resend', async (req: Request, res: Response) => {
    const params = parse(resendSchema, req.body ?? {});
    const deliveries = await webhooks.resend(merchantOf(req), eventId(req), params.webhook_endpoint);
    await sendJson(
      req,
      res,
      200,
      listObject(`/v1/events/${req.params.id}/deliveries`, deliveries.map(toWebhookDeliveryObject), false),
    );
  });

  return router;
}
