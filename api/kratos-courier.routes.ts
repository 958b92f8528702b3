import { timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import {
  MessageRecipientInvalidError,
  MessageTemplateMissingError,
  MessageVariablesMissingError,
  requestMessage,
  type MessageRef,
} from '../messaging/outbox';
import { outboxDeps, type ApiDeps } from './deps';
import { AppError, InvalidRequestError } from './errors';
import { courierSendOf, parseKratosCourierMessage } from './kratos-courier';

/** The user name Kratos' courier sends (scripts/kratos.mjs, kratos/kratos.yml); the password is the secret. */
export const KRATOS_COURIER_USER = 'kratos';

/** Raised when a courier call carries no basic auth, or not the courier's. */
export class CourierAuthenticationError extends AppError {
  constructor() {
    super(
      'authentication_error',
      'courier_unauthenticated',
      'Kratos courier calls need the courier secret (basic auth).',
    );
  }
}

/** Raised when the API has no courier secret (TONGBAO_KRATOS_COURIER_SECRET): Kratos keeps the message and retries. */
export class CourierNotConfiguredError extends AppError {
  constructor() {
    super(
      'api_error',
      'courier_not_configured',
      'This API takes no Kratos courier calls: it has no courier secret.',
      null,
      {
        status: 503,
        retryAfterSeconds: 60,
      },
    );
  }
}

/**
 * `POST /internal/kratos/courier`: Kratos' courier (kratos/kratos.yml, `delivery_strategy: http`
 * and the `sms` channel) posts each e-mail and SMS here, and it goes out through Tongbao's
 * messaging layer as the platform's message. Answers 200 once the message is requested (a retry
 * answers the same message, sent once); 400 naming the field for a body that is not Kratos'; 401
 * without the secret; 5xx when Tongbao could not take it (Kratos' courier retries).
 */
export function kratosCourierRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post(
    '/',
    courierAuth(deps.config.kratosCourierSecret),
    express.json({ limit: '64kb', strict: false, type: () => true }),
    async (req: Request, res: Response) => {
      const message = parseKratosCourierMessage(req.body);
      const send = courierSendOf(message, deps.config.kratosCourierSecret!, new Date());
      let ref: MessageRef;
      try {
        ref = await requestMessage(outboxDeps(deps), {
          merchantId: null,
          // The platform's own message: Aliyun in production, the sandbox otherwise.
          livemode: deps.config.production,
          template: send.template,
          channel: send.channel,
          to: send.to,
          locale: send.locale,
          variables: send.variables,
          objectId: send.objectId,
        });
      } catch (error) {
        throw courierRefusal(error);
      }
      res.status(200).json(courierAnswer(ref));
    },
  );
  return router;
}

/** The courier's answer: the platform's message Kratos' e-mail or SMS became (`created` false on a retry). */
export function courierAnswer(ref: MessageRef) {
  return { object: 'message' as const, id: ref.id, status: ref.status, created: ref.created };
}

/**
 * What the outbox refuses, as an answer to Kratos: an address it cannot send to is the payload's
 * fault (400); a template that is not published, or one an admin gave a variable Kratos does not
 * send, is Tongbao's (422, naming template_type). Kratos' courier retries any non-2xx answer up to
 * `courier.message_retries` times and then abandons the message, so neither is retried for long.
 */
function courierRefusal(error: unknown): unknown {
  if (error instanceof MessageRecipientInvalidError)
    return new InvalidRequestError('parameter_invalid', `Invalid recipient: ${error.message}`, 'recipient');
  if (error instanceof MessageTemplateMissingError || error instanceof MessageVariablesMissingError)
    return new AppError(
      'invalid_request_error',
      error instanceof MessageTemplateMissingError ? 'template_missing' : 'template_variables_missing',
      error.message,
      'template_type',
      { status: 422, cause: error },
    );
  return error;
}

/** Basic auth with the courier secret, compared in constant time; the secret is never logged. */
function courierAuth(secret: string | null) {
  const expected = secret === null ? null : Buffer.from(`${KRATOS_COURIER_USER}:${secret}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === null) throw new CourierNotConfiguredError();
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('authorization')?.trim() ?? '');
    const given = match ? Buffer.from(match[1], 'base64') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.set('WWW-Authenticate', 'Basic realm="kratos-courier"');
      throw new CourierAuthenticationError();
    }
    next();
  };
}
