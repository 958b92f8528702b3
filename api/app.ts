import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { randomToken } from '../domain/ids';
import { ACCOUNT_BODY_LIMIT, accountRoutes } from './account.routes';
import { createAccountService } from './account.service';
import { adminRoutes } from './admin.routes';
import { adminOperationsRoutes } from './admin-operations.routes';
import { adminMerchantsRoutes } from './admin-merchants.routes';
import { createAdminMerchantsService } from './admin-merchants.service';
import { adminProviderAccountsRoutes } from './admin-provider-accounts.routes';
import { createChannelRoutesService } from './channel-routes.service';
import { createProviderAccountsService } from './provider-accounts.service';
import { apiKeysRoutes } from './api-keys.routes';
import { createApiKeysService } from './api-keys.service';
import { createCheckoutSessionList } from './checkout-list';
import { docsRoutes } from './docs.routes';
import { openApiDocument } from './openapi';
import { Admission, ApiOverloadedError } from './admission';
import { adminWebhooksRoutes } from './admin-webhooks.routes';
import { ApiKeyCache, merchantAuth } from './auth';
import { gatherBodyChunks } from './body-chunks';
import { adminTokenAuth, staffAuth } from './staff-auth';
import { staffAccess } from './staff-access';
import { staffRoutes, staffSessionRoutes } from './staff.routes';
import { createStaffService } from './staff.service';
import type { ApiDeps } from './deps';
import { AppError, InvalidRequestError, errorBody } from './errors';
import { ADMIN_KEY_OWNER, createIdempotency, merchantKeyOwner } from './idempotency';
import { checkoutPageRoutes, checkoutRoutes } from './checkout.routes';
import { createCheckoutService } from './checkout.service';
import { createCheckoutDetailsService } from './checkout-details.service';
import { createMerchantsService } from './merchants.service';
import { kratosCourierRoutes } from './kratos-courier.routes';
import { messageAccountsRoutes } from './message-accounts.routes';
import { createMessageAccountsService } from './message-accounts.service';
import { notifyRoutes } from './notify.routes';
import { operationsRoutes } from './operations.routes';
import { createOperationsService } from './operations.service';
import { paymentExportsRoutes } from './payment-exports.routes';
import { createPaymentExportsService } from './payment-exports.service';
import { createPaymentTimelineService } from './payment-timeline.service';
import { paymentsRoutes } from './payments.routes';
import { reportsRoutes } from './reports.routes';
import { createReportsService } from './reports.service';
import { createPaymentsService } from './payments.service';
import { pricingRoutes } from './pricing.routes';
import { createPricingService } from './pricing.service';
import { reconciliationRoutes } from './reconciliation.routes';
import { createReconciliationService } from './reconciliation.service';
import { refundsRoutes } from './refunds.routes';
import { createRefundsService } from './refunds.service';
import { contextOf, merchantOf } from './request-context';
import { eventsRoutes } from './events.routes';
import { createEventsService } from './events.service';
import { webhooksRoutes } from './webhooks.routes';
import { customersRoutes } from './customers.routes';
import { createCustomersService } from './customers.service';
import { createWebhooksService } from './webhooks.service';
import { messagesRoutes } from './messages.routes';
import { createMessagesService } from './messages.service';
import { templatesRoutes } from './templates.routes';
import { createTemplatesService } from './templates.service';
import { sendJson } from './respond';
import { Kratos } from './kratos';
import { createMembersService } from './members.service';
import { consoleRoutes } from './console.routes';
import { consoleAuth } from './session-auth';
import { memberAccess } from './member-access';
import { memberObject, teamRoutes } from './team.routes';
import { createAuditLogService } from './audit-log.service';
import { toPaymentObject } from '../domain/payment-object';
import { toCustomerObject } from '../domain/customer';
import { headerText } from './validation';
import { apiRegistry, scrapeApiMetrics } from './metrics';
import { requestTelemetry } from './request-telemetry';

/** The REST API of API.md plus the provider notification endpoints. */
export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);

  // First, before anything reads a body: a body sent in tiny chunks must not cost ~190 bytes of heap a byte.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    gatherBodyChunks(req);
    next();
  });
  app.use(requestTelemetry(deps.tracer ?? null));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = `req_${randomToken(16)}`;
    contextOf(req).requestId = requestId;
    res.set('Request-Id', requestId);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const admission = new Admission(deps.config.admission);
  const payments = createPaymentsService(deps);
  const apiKeys = new ApiKeyCache();
  const merchants = createMerchantsService(deps, apiKeys);
  const refunds = createRefundsService(deps);
  const pricing = createPricingService(deps);
  const checkoutDetails = createCheckoutDetailsService(deps);
  const checkout = createCheckoutService(deps, payments, pricing, admission, checkoutDetails);
  const events = createEventsService(deps);
  const webhooks = createWebhooksService(deps, events);
  const ownApiKeys = createApiKeysService(deps, apiKeys);

  const kratos = new Kratos(deps.config.kratos);
  const members = createMembersService(deps, kratos, merchants);
  const customers = createCustomersService(deps);
  const operations = createOperationsService(deps);
  const messages = createMessagesService(deps);
  // Prometheus scrapes with the admin token (`authorization: {credentials: …}` in its job; ops/prometheus.yml).
  app.get('/metrics', adminTokenAuth(deps), async (_req: Request, res: Response) => {
    res.type(apiRegistry.contentType).send(await scrapeApiMetrics(deps));
  });

  // The API as a document (no key: it describes the API, it opens nothing) and its reference page.
  const document = JSON.stringify(openApiDocument());
  app.get('/v1/openapi.json', (_req: Request, res: Response) => {
    res.type('application/json').send(document);
  });
  app.use('/docs', docsRoutes());

  app.use('/notify', notifyRoutes(deps, refunds));
  // Kratos' courier: its codes go out through Tongbao's messaging layer (authenticated by the courier secret).
  app.use('/internal/kratos/courier', kratosCourierRoutes(deps));
  app.use('/checkout', checkoutPageRoutes(checkout));

  const jsonBody = (limit: string) =>
    express.json({
      limit,
      strict: true,
      type: () => true,
      verify: (req, _res, buffer) => {
        contextOf(req as Request).rawBody = Buffer.from(buffer);
      },
    });
  const json = jsonBody('256kb');
  // The account's update may carry a logo (256 KiB, more as base64); the parser that reads a body first is the only one.
  const accountJson = Router();
  accountJson.post('/account', jsonBody(ACCOUNT_BODY_LIMIT));

  // Every POST accepts an Idempotency-Key (API.md), an admin's too: its answer is replayed, and an
  // admin's retry or cancel of a refund after a 503 reaches the update the first one sent.
  const idempotencyKeyText = (req: Request, _res: Response, next: NextFunction) => {
    headerText(req.get('idempotency-key'), 'Idempotency-Key');
    next();
  };

  const staff = createStaffService(deps, kratos);
  app.use(
    '/v1/admin',
    staffAuth(deps, kratos),
    admitted(admission, ADMIN_WORKFLOW_ROUTES, () => ADMIN_KEY_OWNER.id),
    json,
    idempotencyKeyText,
    staffAccess(deps),
    createIdempotency(deps, () => ADMIN_KEY_OWNER),
    adminRoutes(merchants, payments, refunds, members),
    adminProviderAccountsRoutes(createProviderAccountsService(deps), createChannelRoutesService(deps)),
    staffRoutes(staff),
    adminMerchantsRoutes(createAdminMerchantsService(deps, apiKeys, kratos), members),
    reconciliationRoutes(createReconciliationService(deps)),
    operationsRoutes(operations),
    templatesRoutes(createTemplatesService(deps), messages),
    messagesRoutes(messages),
    messageAccountsRoutes(createMessageAccountsService(deps)),
    ...adminOperationsRoutes(deps, { payments, refunds, customers }),
    adminWebhooksRoutes(deps, webhooks),
  );
  // The admin console's own question: who is signed in, and must they still use a second factor.
  app.use('/v1/staff', staffSessionRoutes(deps, kratos, staff));
  // The console's calls about the signed-in person (their merchants, a new one): a session, no merchant.
  app.use('/v1/console', consoleAuth(kratos, deps), json, consoleRoutes(deps, members));
  app.use(
    '/v1',
    merchantAuth(deps, apiKeys, kratos),
    admitted(admission, MERCHANT_WORKFLOW_ROUTES, (req) => merchantOf(req).id),
    accountJson,
    json,
    idempotencyKeyText,
    memberAccess(deps, {
      payment: (merchant, id) => payments.find(merchant, id).then(toPaymentObject),
      customer: (merchant, id) => customers.find(merchant, id).then(toCustomerObject),
      member: (merchant, id) => members.get(merchant.id, id).then((m) => (m ? memberObject(m) : null)),
    }),
    createIdempotency(deps, merchantKeyOwner),
    paymentsRoutes(payments, createPaymentTimelineService(deps, payments)),
    paymentExportsRoutes(createPaymentExportsService(deps)),
    reportsRoutes(createReportsService(deps)),
    refundsRoutes(refunds),
    webhooksRoutes(webhooks),
    eventsRoutes(events, webhooks),
    pricingRoutes(pricing),
    checkoutRoutes(checkout, createCheckoutSessionList(deps)),
    customersRoutes(customers),
    teamRoutes(members, createAuditLogService(deps)),
    accountRoutes(createAccountService(deps)),
    apiKeysRoutes(ownApiKeys),
  );

  app.use((req: Request) => {
    throw new AppError(
      'invalid_request_error',
      'route_unknown',
      `Unrecognized request URL (${req.method}: ${req.path}).`,
      null,
      { status: 404 },
    );
  });

  app.use(async (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(error);
    if (appError.retryAfterSeconds !== null) res.set('Retry-After', String(appError.retryAfterSeconds));
    // Shedding load is the API doing its job, not a failure: hundreds of refusals a second under a
    // flood would cost CPU the accepted requests need, and bury real errors.
    if (error instanceof ApiOverloadedError)
      deps.logger.debug({ requestId: contextOf(req).requestId, path: req.path }, 'refused: overloaded');
    else if (appError.status >= 500)
      deps.logger.error({ err: error, requestId: contextOf(req).requestId, path: req.path }, 'request failed');
    try {
      await sendJson(req, res, appError.status, errorBody(appError, contextOf(req).requestId), { error: appError });
    } catch (sendError) {
      deps.logger.error({ err: sendError }, 'could not send the error response');
      if (!res.headersSent)
        res
          .status(500)
          .json(
            errorBody(
              new AppError('api_error', 'internal_error', 'An internal error occurred.'),
              contextOf(req).requestId,
            ),
          );
    }
  });

  return app;
}

/**
 * The merchant's requests that start or drive a payment's or a refund's workflow, which admission
 * control bounds (api/admission.ts): they are the work a flood of requests turns into. Reads are
 * answered from PostgreSQL and pass (a payment export's workflow is admitted: it is work a flood
 * would multiply); so do webhook endpoints and pricing objects (stored, no
 * workflow), and provider notifications, which finish work already admitted (refusing them would
 * only make the provider send them again later).
 */
const MERCHANT_WORKFLOW_ROUTES = [
  '/payments',
  '/payments/:id/cancel',
  '/refunds',
  '/checkout/sessions/:id/expire',
  '/events/:id/resend',
  '/payment_exports',
];

/**
 * An admin's retry or cancel of a refund drives its workflow; a test send starts a message's, and
 * a resend a delivery's. A reconciliation run is left out: one per account and day, it waits on
 * its workflow up to a minute on purpose, and holding a turn that long would refuse merchants'
 * requests for nothing.
 */
const ADMIN_WORKFLOW_ROUTES = [
  '/refunds/:id/retry',
  '/refunds/:id/cancel',
  '/templates/:id/test_send',
  '/events/:id/resend',
];

/**
 * Admits the POSTs to `paths` (matched as the routes themselves are) before their body is parsed or
 * their Idempotency-Key claimed, so that a refused request has done nothing and costs little.
 */
function admitted(admission: Admission, paths: string[], merchantOf: (req: Request) => string): Router {
  const router = Router();
  router.post(paths, admission.middleware(merchantOf));
  return router;
}

/** Errors of the body parser and of our own code become API.md error bodies. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // body-parser's errors are http-errors (`expose` marks the 4xx ones); the router's, URIErrors with a status.
  const httpError = error as { type?: string; status?: number; message?: string; expose?: boolean };
  if (httpError?.type === 'entity.parse.failed')
    return new InvalidRequestError('invalid_json', 'The request body is not valid JSON.');
  if (httpError?.type === 'entity.too.large')
    return new AppError('invalid_request_error', 'body_too_large', 'The request body is too large.', null, {
      status: 413,
    });
  if (httpError?.type === 'encoding.unsupported' || httpError?.type === 'charset.unsupported')
    return new InvalidRequestError('invalid_encoding', 'The request body must be UTF-8 JSON.');
  // Other requests Express's parts could not read: a body that does not inflate as its
  // Content-Encoding says, a path parameter that is not valid percent-encoded UTF-8.
  const unreadable = httpError?.expose === true || error instanceof URIError;
  if (unreadable && typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500)
    return new AppError(
      'invalid_request_error',
      'request_unreadable',
      `The request could not be read: ${httpError.message ?? 'malformed'}.`,
      null,
      { status: httpError.status },
    );
  return new AppError(
    'api_error',
    'internal_error',
    'An internal error occurred. It has been logged; retrying may help.',
  );
}
