import { Router, type Request, type Response } from 'express';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { resendSchema } from './events.routes';
import { listObject } from './pagination';
import type { Merchant } from './payments.service';
import { sendJson } from './respond';
import { parse, pathId, plainListQuerySchema } from './validation';
import { toWebhookDeliveryObject } from './webhook-objects';
import type { WebhooksService } from './webhooks.service';

/**
 * A merchant's webhook deliveries as an admin sees them, and sending an event again for the
 * merchant (Jeepay's operator portal's "merchant notifications … resend"): a merchant whose
 * server was down asks the platform to deliver what it missed. Each works as the merchant's own
 * route does, for the merchant and mode the endpoint or event belongs to.
 */
export function adminWebhooksRoutes(deps: ApiDeps, webhooks: WebhooksService): Router {
  const router = Router();

  /** The merchant and mode an object of `table` belongs to; 404 when there is none. */
  async function ownerOf(table: 'webhook_endpoints' | 'events', objectName: string, id: string): Promise<Merchant> {
    const [row] = await deps.db.execute<{ merchant_id: string; livemode: boolean }[]>(
      `select merchant_id, livemode from ${table} where id = ?`,
      [id],
    );
    if (!row) throw new NotFoundError(objectName, id);
    return { id: row.merchant_id, livemode: row.livemode };
  }

  router.get('/webhook_endpoints/:id/deliveries', async (req: Request, res: Response) => {
    const id = pathId(req, 'we', 'webhook endpoint');
    const query = parse(plainListQuerySchema, req.query, 'query');
    const merchant = await ownerOf('webhook_endpoints', 'webhook endpoint', id);
    const { data, hasMore } = await webhooks.endpointDeliveries(merchant, id, query);
    await sendJson(
      req,
      res,
      200,
      listObject(`/v1/admin/webhook_endpoints/${id}/deliveries`, data.map(toWebhookDeliveryObject), hasMore),
    );
  });

  router.post('/events/:id/resend', async (req: Request, res: Response) => {
    const id = pathId(req, 'evt', 'event');
    const params = parse(resendSchema, req.body ?? {});
    const deliveries = await webhooks.resend(await ownerOf('events', 'event', id), id, params.webhook_endpoint);
    await sendJson(
      req,
      res,
      200,
      listObject(`/v1/admin/events/${id}/deliveries`, deliveries.map(toWebhookDeliveryObject), false),
    );
  });

  return router;
}
