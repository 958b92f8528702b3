import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { recordAudit } from './audit-log.service';
import type { ApiDeps } from './deps';
import { PermissionError } from './errors';
import { actorOf, contextOf, merchantOf } from './request-context';
import { assertAllowed, ruleFor, type RouteRule } from './roles';
import { objectIdOf } from './route-pattern';
import { CLIENT_IP_HEADER } from './session-auth';

/** An object as the API answers it, before a change: the audit log's `before`. null: not found. */
export type ObjectReader = (merchant: { id: string; livemode: boolean }, id: string) => Promise<unknown>;

/**
 * Fields a request or an answer may carry that the audit log must never keep: among them a provider
 * account's uploaded credentials (private keys, the APIv3 key, the .pfx; app_secret and
 * sign_cert_password by the first words).
 */
const SECRET_FIELDS = /secret|password|recovery_code|recovery_link|^code$|private_key|api_v3_key|pfx/i;

/** Longer texts (a logo's data URL) are kept as their length: the log records that it changed. */
const LONGEST_KEPT_TEXT = 2_000;

/**
 * Deeper values are kept as a mark: the staff layer redacts a request's body before it is
 * validated, and a body nested 10,000 objects deep overflowed the stack (a 500 the fuzzer found).
 */
const DEEPEST_KEPT = 32;

/**
 * Key material is known by its content too, not only by its field's name: a private key uploaded
 * into a public key's field (a mistake the API refuses) must not be kept either.
 */
const PRIVATE_KEY_TEXT = /PRIVATE KEY/;

/**
 * Inside a provider account's `credentials`, only short values (app ids, merchant numbers) are
 * kept: a long one is key material, which the answer describes by its fingerprints, and a key in
 * base64 without its PEM lines cannot be told public or private by looking.
 */
const LONGEST_KEPT_CREDENTIAL = 64;

/** A copy of `value` with every secret field's value replaced, at any depth, and long texts cut. */
export function redacted(value: unknown, depth = 0, inCredentials = false): unknown {
  if (value !== null && typeof value === 'object' && depth >= DEEPEST_KEPT) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => redacted(item, depth + 1, inCredentials));
  if (typeof value === 'string') {
    if (PRIVATE_KEY_TEXT.test(value)) return '[redacted]';
    if (inCredentials && value.length > LONGEST_KEPT_CREDENTIAL) return '[redacted]';
    if (value.length > LONGEST_KEPT_TEXT) return `[${value.length} characters]`;
  }
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      SECRET_FIELDS.test(key) ? '[redacted]' : redacted(field, depth + 1, inCredentials || key === 'credentials'),
    ]),
  );
}

/**
 * What a caller may do on the merchant API, after authentication: a member's role must allow the
 * route (api/roles.ts), a support member's refund must fit their limit, a secret key may not call
 * the console's own routes; and a member's change is written to the audit log with its answer
 * (before and after, secrets removed). Mounted after the body is parsed and before the
 * Idempotency-Key is claimed: a refused request has claimed nothing.
 */
export function memberAccess(deps: ApiDeps, readers: Record<string, ObjectReader>) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const actor = actorOf(req);
    const rule = ruleFor(req.method, req.path);
    if (actor.type === 'api_key') {
      if (rule.consoleOnly)
        throw new PermissionError('console_only', 'This is done in the console, signed in; a secret key cannot do it.');
      return next();
    }
    if (actor.type !== 'member') return next();
    assertAllowed(actor.role, rule, req);
    if (rule.permission === 'refund' && actor.role === 'support')
      await assertWithinRefundLimit(deps, req, actor.refundLimit ?? 0);
    if (req.method !== 'GET' && req.method !== 'HEAD') await startAuditEntry(deps, req, rule, readers);
    next();
  };
}

async function assertWithinRefundLimit(deps: ApiDeps, req: Request, limit: number): Promise<void> {
  const body = req.body as { amount?: unknown; payment?: unknown } | undefined;
  let amount = typeof body?.amount === 'number' ? body.amount : null;
  if (amount === null && typeof body?.payment === 'string') {
    // A refund of what is left: at most the payment's amount.
    const merchant = merchantOf(req);
    const rows = await deps.db
      .fork()
      .getConnection()
      .execute<{ amount: string }[]>('select amount from payments where id = ? and merchant_id = ? and livemode = ?', [
        body.payment,
        merchant.id,
        merchant.livemode,
      ]);
    amount = rows[0] ? Number(rows[0].amount) : 0;
  }
  if (amount !== null && amount > limit)
    throw new PermissionError(
      'refund_limit_exceeded',
      `Your refund limit is ${limit}; this refund is ${amount}. Ask an owner or admin.`,
      'amount',
    );
}

/** The client's address as the console's server reports it, when it is one. */
export function forwardedFor(req: Request): string | null {
  const claimed = req.get(CLIENT_IP_HEADER)?.trim();
  return claimed && isIP(claimed) ? claimed : null;
}

async function startAuditEntry(
  deps: ApiDeps,
  req: Request,
  rule: RouteRule,
  readers: Record<string, ObjectReader>,
): Promise<void> {
  const actor = actorOf(req);
  const merchant = merchantOf(req);
  const objectId = objectIdOf(rule, req.path);
  const reader = rule.object ? readers[rule.object] : undefined;
  const before = objectId && reader ? await reader(merchant, objectId).catch(() => null) : null;
  contextOf(req).audit = async (status, body) => {
    const answered = (body as { id?: unknown } | null)?.id;
    await recordAudit(deps, {
      actorType: actor.type,
      actor: actor.id,
      actorEmail: actor.email,
      merchantId: merchant.id,
      livemode: merchant.livemode,
      ip: req.socket.remoteAddress ?? null,
      forwardedFor: forwardedFor(req),
      requestId: contextOf(req).requestId,
      method: req.method,
      route: rule.path,
      action: rule.action,
      objectType: rule.object,
      objectId: objectId ?? (typeof answered === 'string' ? answered : null),
      status,
      before: before === null ? null : redacted(before),
      after: status < 400 ? redacted(body) : null,
    });
  };
}
