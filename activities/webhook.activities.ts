import { performance } from 'node:perf_hooks';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { toEventObject } from '../domain/event-object';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, webhookSignatureHeader } from '../domain/webhook-signature';
import { EventSchema, WebhookEndpointSchema } from '../db/entities';
import { openWebhookSecret } from '../db/webhook-secrets';
import type { ActivityDeps } from './deps';
import { deliveryErrorClass, safePost } from './safe-http';
import { webhookDeliveryWorkflowId } from '../domain/workflow-ids';
import {
  webhookDeliveryInput,
  type WebhookDeliveryStatus,
  type WebhookDeliveryWorkflow,
} from '../domain/webhook-delivery';

/** API.md: the merchant's endpoint has this long to answer one attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookAttemptInput {
  eventId: string;
  webhookEndpointId: string;
  /** Numbered by the workflow, counting every run of the delivery, so a retried activity writes one row. */
  number: number;
  /** When the workflow will try again if this attempt fails; null when this is its last. */
  retryInMs: number | null;
}

export interface WebhookAttemptOutcome {
  /** The endpoint answered 2xx. */
  delivered: boolean;
  statusCode: number | null;
  /** The endpoint was deleted or disabled: nothing was sent, and nothing will be. */
  endpointDeleted: boolean;
  /** The delivery's status after this attempt (a delivery once delivered stays delivered). */
  deliveryStatus: WebhookDeliveryStatus;
}

export function createWebhookActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function loadEvent(eventId: string) {
    const event = await db.fork().findOne(EventSchema, { id: eventId });
    if (!event) throw ApplicationFailure.nonRetryable(`event ${eventId} does not exist`, 'EventMissingError');
    return event;
  }

  /** Writes an attempt and what it means for the delivery, in one transaction; returns the delivery's status. */
  async function recordAttempt(
    input: WebhookAttemptInput,
    attempt: {
      at: Date;
      statusCode: number | null;
      latencyMs: number;
      error: string | null;
      delivered: boolean;
    } | null,
  ): Promise<WebhookDeliveryStatus> {
    const key = [input.eventId, input.webhookEndpointId];
    return db.fork().transactional(async (tx) => {
      if (attempt) {
        await tx.execute(
          `insert into webhook_attempts (event_id, webhook_endpoint_id, number, at, status_code, latency_ms, error) values (?, ?, ?, ?, ?, ?, ?)
           on conflict (event_id, webhook_endpoint_id, number) do nothing`,
          [...key, input.number, attempt.at, attempt.statusCode, attempt.latencyMs, attempt.error],
        );
      }
      const delivered = attempt?.delivered ?? false;
      const giveUp = attempt === null || input.retryInMs === null;
      const nextAttemptAt = delivered || giveUp ? null : new Date(Date.now() + input.retryInMs!);
      const [row] = await tx.execute<{ status: WebhookDeliveryStatus }[]>(
        `update webhook_deliveries set
           status = case when ?::boolean or status = 'delivered' then 'delivered' else ? end,
           attempt_count = greatest(attempt_count, ?),
           last_attempt_at = coalesce(?::timestamptz, last_attempt_at),
           last_status_code = case when ?::boolean then ?::integer else last_status_code end,
           delivered_at = case when ?::boolean then ?::timestamptz else delivered_at end,
           next_attempt_at = ?::timestamptz,
           updated_at = now()
         where event_id = ? and webhook_endpoint_id = ? returning status`,
        [
          delivered,
          giveUp ? 'failed' : 'pending',
          attempt ? input.number : 0,
          attempt?.at ?? null,
          attempt !== null,
          attempt?.statusCode ?? null,
          delivered,
          attempt?.at ?? null,
          nextAttemptAt,
          ...key,
        ],
      );
      if (!row) throw new Error(`no delivery of ${input.eventId} to ${input.webhookEndpointId}`);
      return row.status;
    });
  }

  return {
    /**
     * Starts one delivery workflow per endpoint of the event's merchant and mode that wants its
     * type. Idempotent: a delivery already started (by a retry of this activity, a second call,
     * or a resend) is left alone. Answers the event's type, for what else the event sets off.
     */
    async dispatchEvent(input: { eventId: string }): Promise<string> {
      // The endpoints that want the event, found from its id in one query; the event itself (its
      // whole object) is read only when one does: every payment's transition dispatches its event,
      // and most merchants have no endpoint for most types.
      const rows = await db.execute<{ type: string; endpoint_id: string | null }[]>(
        `select e.type, w.id as endpoint_id from events e
           left join webhook_endpoints w on w.merchant_id = e.merchant_id and w.livemode = e.livemode and w.deleted_at is null and not w.disabled
                and (e.type = any(w.enabled_events) or '*' = any(w.enabled_events))
          where e.id = ? order by w.created_at, w.id`,
        [input.eventId],
      );
      if (rows.length === 0) await loadEvent(input.eventId); // raises EventMissingError
      const endpoints = rows.flatMap(({ endpoint_id: id }) => (id === null ? [] : [{ id }]));
      if (endpoints.length === 0) return rows[0].type;
      const event = await loadEvent(input.eventId);
      for (const { id: webhookEndpointId } of endpoints) {
        await db.execute(
          `insert into webhook_deliveries (event_id, webhook_endpoint_id, status) values (?, ?, 'pending') on conflict do nothing`,
          [event.id, webhookEndpointId],
        );
        try {
          await deps.temporal.workflow.start<WebhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
            workflowId: webhookDeliveryWorkflowId(event.id, webhookEndpointId),
            taskQueue: deps.taskQueue,
            args: [webhookDeliveryInput(event, webhookEndpointId, deps.timeScale, 'event')],
            // A closed delivery must not be started again by a late retry: only a resend may.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }
      if (endpoints.length)
        deps.logger.info({ eventId: event.id, type: event.type, endpoints: endpoints.length }, 'event dispatched');
      return event.type;
    },

    /** Makes sure the delivery's row exists (a resend may come first) and says how many attempts it has had. */
    async openWebhookDelivery(input: {
      eventId: string;
      webhookEndpointId: string;
    }): Promise<{ attemptCount: number; status: WebhookDeliveryStatus }> {
      const key = [input.eventId, input.webhookEndpointId];
      await db.execute(
        `insert into webhook_deliveries (event_id, webhook_endpoint_id, status) values (?, ?, 'pending') on conflict do nothing`,
        key,
      );
      const [row] = await db.execute<{ attempt_count: number; status: WebhookDeliveryStatus }[]>(
        `select attempt_count, status from webhook_deliveries where event_id = ? and webhook_endpoint_id = ?`,
        key,
      );
      return { attemptCount: row.attempt_count, status: row.status };
    },

    /**
     * POSTs the event to the endpoint once, signed, and records the attempt. The merchant's answer
     * is an outcome, never an exception: a non-2xx, a refused connection or a timeout come back as
     * `delivered: false`, so the workflow owns the backoff and each attempt is recorded once.
     */
    async attemptWebhookDelivery(input: WebhookAttemptInput): Promise<WebhookAttemptOutcome> {
      const event = await loadEvent(input.eventId);
      const endpoint = await db.fork().findOne(WebhookEndpointSchema, { id: input.webhookEndpointId });
      if (!endpoint || endpoint.deletedAt || endpoint.disabled) {
        const deliveryStatus = await recordAttempt(input, null);
        return { delivered: false, statusCode: null, endpointDeleted: true, deliveryStatus };
      }
      const at = new Date();
      // After a roll the old secret signs too, until its grace ends (a second v1=, as Stripe does).
      const sealed = [endpoint.secretEncrypted];
      if (endpoint.previousSecretEncrypted && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at)
        sealed.push(endpoint.previousSecretEncrypted);
      const secrets = sealed.map((one) => openWebhookSecret(deps.secretBox, one, endpoint.id));
      const body = JSON.stringify(toEventObject(event));
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      try {
        statusCode = await safePost(endpoint.url, {
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Tongbao-Webhooks/1.0',
            [EVENT_ID_HEADER]: event.id,
            [SIGNATURE_HEADER]: webhookSignatureHeader(secrets, body, Math.floor(at.getTime() / 1000)),
          },
          body,
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          allowPrivate: deps.webhookAllowPrivate,
        });
        // A redirect is not a delivery (as at Stripe): the merchant should register the final URL.
        if (statusCode < 200 || statusCode >= 300) error = `http_${statusCode}`;
      } catch (caught) {
        // A class, never the error's text: that would turn the delivery log into a port scanner.
        error = deliveryErrorClass(caught);
      }
      const latencyMs = Math.round(performance.now() - started);
      const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
      const deliveryStatus = await recordAttempt(input, { at, statusCode, latencyMs, error, delivered });
      deps.metrics?.webhookAttempt({ delivered, gaveUp: deliveryStatus === 'failed' });
      // No URL here: merchants sometimes put tokens in it.
      deps.logger.info(
        {
          eventId: event.id,
          webhookEndpointId: endpoint.id,
          attempt: input.number,
          statusCode,
          latencyMs,
          error,
          deliveryStatus,
        },
        'webhook attempt',
      );
      return { delivered, statusCode, endpointDeleted: false, deliveryStatus };
    },
  };
}
