import { Router, raw, type NextFunction, type Request, type Response } from 'express';
import { PROVIDERS, type ProviderName } from '../domain/payment';
import { decryptAccount, loadSealedProviderAccount } from '../db/provider-accounts.store';
import { NotificationRejectedError } from '../providers/errors';
import type { NotificationAck, PaymentProvider, RawNotification, VerifiedNotification } from '../providers/provider';
import { createProviderCache } from '../providers/provider-cache';
import type { ApiDeps } from './deps';
import { countNotification } from './metrics';
import { createNotificationsService, type ReceivedNotification } from './notifications.service';
import type { RefundsService } from './refunds.service';
import { PUBLIC_RATE_LIMITS, RateLimitedError, RateLimiter, clientIp } from './rate-limit';

const ACCOUNT_ID = /^pa_[0-9A-Za-z]{1,64}$/;

/**
 * `POST /notify/<provider>/:account`: the account's provider verifies the notification
 * (signature, account), notifications.service.ts decides what it means (and signals the payment's
 * or refund's workflow), and only then is the provider acknowledged, so that a notification
 * Temporal did not accept is sent again.
 */
export function notifyRoutes(deps: ApiDeps, refunds: RefundsService): Router {
  const router = Router();
  const notifications = createNotificationsService(deps, refunds);
  // Adapters kept per account: building one for each notification parsed its keys every time.
  const providers = createProviderCache((row) => decryptAccount(row, deps.secretBox), {
    sandboxUrl: deps.config.sandboxUrl,
  });

  function answer(res: Response, ack: NotificationAck): void {
    res.status(ack.status).type(ack.contentType).send(ack.body);
  }

  const perIp = new RateLimiter(PUBLIC_RATE_LIMITS.notifyPerIp);
  const refusedPerIp = new RateLimiter(PUBLIC_RATE_LIMITS.refusedNotificationsPerIp);
  const refusedPerAccount = new RateLimiter(PUBLIC_RATE_LIMITS.refusedNotificationsPerAccount);

  /** Before the body is read: a caller over a limit costs neither a verification nor a row. */
  function admit(req: Request, _res: Response, next: NextFunction): void {
    const ip = clientIp(req);
    perIp.take(ip);
    for (const [limiter, key] of [
      [refusedPerIp, ip],
      [refusedPerAccount, String(req.params.account)],
    ] as const) {
      const retryAfter = limiter.exceeded(key);
      if (retryAfter !== null) throw new RateLimitedError(limiter.rule, retryAfter);
    }
    next();
  }

  /** Counts a refusal against the caller and the account it named. */
  function countRefusal(req: Request, accountId: string | null): void {
    refusedPerIp.hit(clientIp(req));
    if (accountId !== null) refusedPerAccount.hit(accountId);
  }

  router.post(
    '/:provider/:account',
    admit,
    raw({ type: () => true, limit: '256kb' }),
    async (req: Request, res: Response) => {
      const providerName = String(req.params.provider) as ProviderName;
      const accountId = String(req.params.account);
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // An id's shape first: a NUL or a megabyte in the path is an unknown account, not a query.
      const account =
        PROVIDERS.includes(providerName) && ACCOUNT_ID.test(accountId)
          ? await loadSealedProviderAccount(deps.db.fork(), accountId)
          : null;
      if (!account || account.provider !== providerName) {
        countRefusal(req, null);
        countNotification(providerName, 'unknown_account');
        deps.logger.warn({ provider: providerName, accountId }, 'notification for an unknown provider account refused');
        res.status(404).type('text/plain').send('unknown account');
        return;
      }
      const provider: PaymentProvider = providers.providerOf(account);
      const notification: RawNotification = {
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
        ),
        rawBody: body,
        form: /application\/x-www-form-urlencoded/i.test(req.get('content-type') ?? '')
          ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
          : null,
      };
      const received: ReceivedNotification = { provider: providerName, accountId: account.id, body };

      let verified: VerifiedNotification;
      try {
        verified = await provider.verifyNotification(notification);
      } catch (error) {
        if (!(error instanceof NotificationRejectedError)) throw error;
        countRefusal(req, account.id);
        await notifications.refuse(received, error.message);
        return answer(res, provider.notificationAck('refused'));
      }
      const outcome = await notifications.handle(received, verified);
      if (outcome === 'refused') countRefusal(req, account.id);
      answer(res, provider.notificationAck(outcome === 'refused' ? 'refused' : 'accepted'));
    },
  );

  return router;
}
