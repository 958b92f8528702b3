import dns from 'node:dns';
import {
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  type EventRow,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../db/entities';
import { newWebhookSecret } from '../db/webhook-secrets';
import type { EventType } from '../domain/events';
import { newId } from '../domain/ids';
import { isIpLiteral, refusedAddressClass } from '../domain/outbound-address';
import { webhookDeliveryWorkflowId } from '../domain/workflow-ids';
import { resendWebhookSignal } from '../workflows/messages';
import { webhookDeliveryInput } from '../domain/webhook-delivery';
import type { webhookDeliveryWorkflow } from '../workflows/webhook-delivery.workflow';
import type { ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import type { EventsService } from './events.service';
import { pageOf, paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';

export interface CreateWebhookEndpointParams {
  url: string;
  /** Event types, or `['*']`. */
  enabled_events: (EventType | '*')[];
  description?: string;
  metadata: Record<string, string>;
}

/** A partial update of an endpoint: a field left out stays; `description: null` clears it. */
export interface UpdateWebhookEndpointParams {
  url?: string;
  enabled_events?: (EventType | '*')[];
  description?: string | null;
  metadata?: Record<string, string>;
  disabled?: boolean;
}

/** The longest an old signing secret may keep signing after a roll. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;

/** A delivery with its endpoint's URL and every attempt, oldest first. */
export interface DeliveryWithAttempts {
  delivery: WebhookDeliveryRow;
  url: string;
  attempts: WebhookAttemptRow[];
}

/** Resolves a host to all its addresses; replaced in tests. */
export type ResolveHost = (host: string) => Promise<{ address: string }[]>;

const systemResolve: ResolveHost = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Refuses (400, param `url`) an endpoint whose host is, or resolves to, a loopback, private,
 * link-local or otherwise non-public address. The worker checks again when it connects; this
 * check tells the merchant at once. A name that does not resolve yet is accepted: it is checked
 * at every attempt.
 */
export async function assertPublicEndpoint(url: string, resolve: ResolveHost = systemResolve): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIpLiteral(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((found) => found.address);
    } catch {
      return;
    }
  }
  for (const address of addresses) {
    const refused = refusedAddressClass(address);
    if (refused) {
      throw new InvalidRequestError(
        'url_not_allowed',
        `Webhook endpoints must be public: ${host} is or resolves to a ${refused.replace('_', '-')} address.`,
        'url',
      );
    }
  }
}

export function createWebhooksService(deps: ApiDeps, events: EventsService) {
  const { db } = deps;

  /** Refuses a URL the endpoint may not have: live mode wants https, and (in production) a public host. */
  async function assertAllowedUrl(merchant: Merchant, url: string): Promise<void> {
    // Live events carry real payments: they travel encrypted. Test mode may use http (a laptop, a tunnel).
    if (merchant.livemode && new URL(url).protocol !== 'https:') {
      throw new InvalidRequestError('url_insecure', 'Live mode webhook endpoints must use https.', 'url');
    }
    if (!deps.config.webhookAllowPrivate) await assertPublicEndpoint(url);
  }

  const enabledEventsOf = (types: (EventType | '*')[]): string[] => (types.includes('*') ? ['*'] : [...new Set(types)]);

  /** The attempts of some deliveries to one endpoint, by event, oldest first. */
  async function attemptsOf(webhookEndpointId: string, eventIds: string[]): Promise<Map<string, WebhookAttemptRow[]>> {
    const attempts = eventIds.length
      ? await db
          .fork()
          .find(WebhookAttemptSchema, { webhookEndpointId, eventId: { $in: eventIds } }, { orderBy: { number: 'asc' } })
      : [];
    const byEvent = new Map<string, WebhookAttemptRow[]>(eventIds.map((id) => [id, []]));
    for (const attempt of attempts) byEvent.get(attempt.eventId)?.push(attempt);
    return byEvent;
  }

  /** Deleted endpoints are gone for the merchant: 404, like another merchant's. */
  async function find(merchant: Merchant, id: string, param = 'id'): Promise<WebhookEndpointRow> {
    const endpoint = await db.fork().findOne(WebhookEndpointSchema, {
      id,
      merchantId: merchant.id,
      livemode: merchant.livemode,
      deletedAt: null,
    });
    if (!endpoint) throw new NotFoundError('webhook endpoint', id, param);
    return endpoint;
  }

  function subscribed(endpoint: WebhookEndpointRow, type: string): boolean {
    return endpoint.enabledEvents.includes('*') || endpoint.enabledEvents.includes(type);
  }

  async function deliveriesOf(event: EventRow, webhookEndpointIds?: string[]): Promise<DeliveryWithAttempts[]> {
    if (webhookEndpointIds?.length === 0) return [];
    const where = webhookEndpointIds
      ? { eventId: event.id, webhookEndpointId: { $in: webhookEndpointIds } }
      : { eventId: event.id };
    const deliveries = await db.fork().find(WebhookDeliverySchema, where, {
      orderBy: { createdAt: 'desc', webhookEndpointId: 'desc' },
    });
    if (deliveries.length === 0) return [];
    const ids = deliveries.map((delivery) => delivery.webhookEndpointId);
    const endpoints = await db.fork().find(WebhookEndpointSchema, { id: { $in: ids } });
    const attempts = await db
      .fork()
      .find(
        WebhookAttemptSchema,
        { eventId: event.id, webhookEndpointId: { $in: ids } },
        { orderBy: { number: 'asc' } },
      );
    const urls = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.url]));
    return deliveries.map((delivery) => ({
      delivery,
      url: urls.get(delivery.webhookEndpointId) ?? '',
      attempts: attempts.filter((attempt) => attempt.webhookEndpointId === delivery.webhookEndpointId),
    }));
  }

  return {
    find,

    /** Creates an endpoint; the `whsec_…` secret is returned here only, and stored sealed. */
    async create(
      merchant: Merchant,
      params: CreateWebhookEndpointParams,
    ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
      await assertAllowedUrl(merchant, params.url);
      const { secret, sealed } = newWebhookSecret(deps.secretBox);
      const endpoint: WebhookEndpointRow = {
        id: newId('webhookEndpoint'),
        merchantId: merchant.id,
        livemode: merchant.livemode,
        url: params.url,
        description: params.description ?? null,
        enabledEvents: enabledEventsOf(params.enabled_events),
        metadata: params.metadata,
        secretEncrypted: sealed,
        createdAt: new Date(),
        deletedAt: null,
      };
      await db.fork().insert(WebhookEndpointSchema, endpoint);
      return { endpoint, secret };
    },

    async list(
      merchant: Merchant,
      params: { limit: number; starting_after?: string },
    ): Promise<Page<WebhookEndpointRow>> {
      const qb = db
        .fork()
        .createQueryBuilder(WebhookEndpointSchema, 'w')
        .where({ merchantId: merchant.id, livemode: merchant.livemode, deletedAt: null });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('webhook endpoint', id);
        }),
      );
    },

    /** Deletes an endpoint: it gets no new deliveries, and running ones stop before their next attempt. */
    async delete(merchant: Merchant, id: string): Promise<WebhookEndpointRow> {
      const endpoint = await find(merchant, id);
      const deleted = await db
        .fork()
        .nativeUpdate(WebhookEndpointSchema, { id, deletedAt: null }, { deletedAt: new Date() });
      if (deleted === 0) throw new NotFoundError('webhook endpoint', id);
      return endpoint;
    },

    /**
     * Changes an endpoint. Disabling it stops new deliveries, and running ones before their next
     * attempt (as deleting does); enabling it again sends what is dispatched from then on (older
     * events can be resent).
     */
    async update(merchant: Merchant, id: string, params: UpdateWebhookEndpointParams): Promise<WebhookEndpointRow> {
      await find(merchant, id);
      if (params.url !== undefined) await assertAllowedUrl(merchant, params.url);
      const changes: Partial<WebhookEndpointRow> = {};
      if (params.url !== undefined) changes.url = params.url;
      if (params.enabled_events !== undefined) changes.enabledEvents = enabledEventsOf(params.enabled_events);
      if (params.description !== undefined) changes.description = params.description;
      if (params.metadata !== undefined) changes.metadata = params.metadata;
      if (params.disabled !== undefined) changes.disabled = params.disabled;
      if (Object.keys(changes).length) {
        const updated = await db.fork().nativeUpdate(WebhookEndpointSchema, { id, deletedAt: null }, changes);
        if (updated === 0) throw new NotFoundError('webhook endpoint', id);
      }
      return find(merchant, id);
    },

    /**
     * A new signing secret, answered once. For `graceSeconds` the old secret signs every delivery
     * too (a second `v1=` in the signature header, as Stripe does), so the merchant can switch
     * their verification over without losing events; 0 drops it now.
     */
    async rollSecret(
      merchant: Merchant,
      id: string,
      graceSeconds: number,
    ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
      const endpoint = await find(merchant, id);
      const { secret, sealed } = newWebhookSecret(deps.secretBox);
      const keepOld = graceSeconds > 0;
      const updated = await db.fork().nativeUpdate(
        WebhookEndpointSchema,
        // The secret it replaces is the one read above: two rolls at once cannot both keep it.
        { id, deletedAt: null, secretEncrypted: endpoint.secretEncrypted },
        {
          secretEncrypted: sealed,
          previousSecretEncrypted: keepOld ? endpoint.secretEncrypted : null,
          previousSecretExpiresAt: keepOld ? new Date(Date.now() + graceSeconds * 1000) : null,
        },
      );
      if (updated === 0)
        throw new ConflictError('webhook_endpoint_changed', `The webhook endpoint ${id} changed meanwhile; try again.`);
      return { endpoint: await find(merchant, id), secret };
    },

    /** The endpoint's deliveries, newest first, each with its attempts; paged by the delivery's event id. */
    async endpointDeliveries(
      merchant: Merchant,
      id: string,
      params: { limit: number; starting_after?: string },
    ): Promise<Page<DeliveryWithAttempts>> {
      const endpoint = await find(merchant, id);
      const values: unknown[] = [id];
      let after = '';
      if (params.starting_after) {
        const [cursor] = await db
          .fork()
          .execute<{ event_id: string }[]>(
            `select event_id from webhook_deliveries where webhook_endpoint_id = ? and event_id = ?`,
            [id, params.starting_after],
          );
        if (!cursor) throw unknownCursor('webhook delivery', params.starting_after);
        // Compared in SQL: PostgreSQL's microseconds would be lost in a JS Date (see pagination.ts).
        after = `and (d.created_at, d.event_id) < (select c.created_at, c.event_id from webhook_deliveries c where c.webhook_endpoint_id = ? and c.event_id = ?)`;
        values.push(id, params.starting_after);
      }
      const rows = await db.fork().execute<{ event_id: string }[]>(
        `select d.event_id from webhook_deliveries d where d.webhook_endpoint_id = ? ${after}
          order by d.created_at desc, d.event_id desc limit ?`,
        [...values, params.limit + 1],
      );
      const page = pageOf(
        rows.map((row) => row.event_id),
        params.limit,
      );
      const deliveries = await db
        .fork()
        .find(WebhookDeliverySchema, { webhookEndpointId: id, eventId: { $in: page.data } });
      const byEvent = new Map(deliveries.map((delivery) => [delivery.eventId, delivery]));
      const attempts = await attemptsOf(id, page.data);
      return {
        data: page.data.map((eventId) => ({
          delivery: byEvent.get(eventId)!,
          url: endpoint.url,
          attempts: attempts.get(eventId) ?? [],
        })),
        hasMore: page.hasMore,
      };
    },

    async deliveries(merchant: Merchant, eventId: string): Promise<DeliveryWithAttempts[]> {
      return deliveriesOf(await events.find(merchant, eventId));
    },

    /**
     * Delivers the event again, now: to one endpoint, or to every endpoint that wants its type.
     * A delivery still retrying gets an extra attempt at once (a signal); one that has ended gets
     * a new run with a single attempt.
     */
    async resend(merchant: Merchant, eventId: string, webhookEndpointId?: string): Promise<DeliveryWithAttempts[]> {
      const event = await events.find(merchant, eventId);
      let endpoints: WebhookEndpointRow[];
      if (webhookEndpointId) {
        const endpoint = await find(merchant, webhookEndpointId, 'webhook_endpoint');
        if (endpoint.disabled) {
          throw new InvalidRequestError(
            'webhook_endpoint_disabled',
            `The webhook endpoint ${endpoint.id} is disabled; enable it to send it events.`,
            'webhook_endpoint',
          );
        }
        if (!subscribed(endpoint, event.type)) {
          throw new InvalidRequestError(
            'webhook_endpoint_not_subscribed',
            `The webhook endpoint ${endpoint.id} does not listen to ${event.type} events.`,
            'webhook_endpoint',
          );
        }
        endpoints = [endpoint];
      } else {
        const all = await db
          .fork()
          .find(
            WebhookEndpointSchema,
            { merchantId: merchant.id, livemode: merchant.livemode, deletedAt: null },
            { orderBy: { createdAt: 'asc', id: 'asc' } },
          );
        endpoints = all.filter((endpoint) => !endpoint.disabled && subscribed(endpoint, event.type));
      }
      for (const endpoint of endpoints) {
        // So that the answer already lists the delivery; the workflow would create it too.
        await db
          .fork()
          .execute(
            `insert into webhook_deliveries (event_id, webhook_endpoint_id, status) values (?, ?, 'pending') on conflict do nothing`,
            [event.id, endpoint.id],
          );
        await deps.temporal.workflow.signalWithStart<typeof webhookDeliveryWorkflow, []>('webhookDeliveryWorkflow', {
          workflowId: webhookDeliveryWorkflowId(event.id, endpoint.id),
          taskQueue: deps.temporalSettings.taskQueue,
          args: [webhookDeliveryInput(event, endpoint.id, deps.config.timeScale, 'resend')],
          signal: resendWebhookSignal,
          signalArgs: [],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
      }
      return deliveriesOf(
        event,
        endpoints.map((endpoint) => endpoint.id),
      );
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
