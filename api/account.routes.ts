import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Merchant } from '../db/entities';
import { BRAND_COLOR } from '../domain/brand-color';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import type { AccountService } from './account.service';
import { MAX_LOGO_BYTES, decodeLogo, logoDataUrl, type LogoProblem } from './logo-image';
import { PermissionError } from './errors';
import { actorOf, contextOf, merchantOf } from './request-context';
import { sendJson } from './respond';
import { emptyBodySchema, parse, text } from './validation';

/** A base64 logo of MAX_LOGO_BYTES, with a data URL's prefix, fits in this many characters. */
const MAX_LOGO_CHARACTERS = Math.ceil(MAX_LOGO_BYTES / 3) * 4 + 64;

/** The body of `POST /v1/account`, whose limit is raised to hold a logo (api/app.ts). */
export const ACCOUNT_BODY_LIMIT = '400kb';

const LOGO_PROBLEMS: Record<LogoProblem, string> = {
  not_base64: 'must be base64 or a data URL (data:image/png;base64,…)',
  empty: 'must not be empty (send null to remove the logo)',
  too_large: `must be at most ${MAX_LOGO_BYTES / 1024} KiB`,
  unsupported_type: 'must be a PNG, JPEG or WebP image (SVG is refused: it can carry script)',
};

const logoSchema = z
  .string()
  .max(MAX_LOGO_CHARACTERS, `must be at most ${MAX_LOGO_BYTES / 1024} KiB`)
  .transform((value, ctx) => {
    const decoded = decodeLogo(value);
    if ('problem' in decoded) {
      ctx.addIssue({ code: 'custom', message: LOGO_PROBLEMS[decoded.problem] });
      return z.NEVER;
    }
    return decoded;
  })
  .meta({ description: 'A PNG, JPEG or WebP image of at most 256 KiB, as base64 or a data URL; null removes it.' });

export const updateAccountSchema = z.strictObject({
  display_name: text().trim().min(1).max(100).nullable().optional(),
  logo: logoSchema.nullable().optional(),
  brand_color: text()
    .transform((value) => value.toLowerCase())
    .pipe(z.string().regex(BRAND_COLOR, 'must be a colour as #RRGGBB'))
    .nullable()
    .optional(),
  default_locale: z.enum(CHECKOUT_LOCALES).nullable().optional(),
  require_mfa: z
    .boolean()
    .optional()
    .describe('Every member must sign in with a second factor (TOTP). Only an owner may change it.'),
});

/** The merchant's account as it reads it: the hosted checkout's branding included. */
export function accountObject(merchant: Merchant, livemode: boolean) {
  return {
    id: merchant.id,
    object: 'account' as const,
    livemode,
    name: merchant.name,
    email: merchant.email,
    display_name: merchant.displayName ?? null,
    logo: logoDataUrl(merchant.logo, merchant.logoType),
    brand_color: merchant.brandColor ?? null,
    default_locale: merchant.defaultLocale ?? null,
    require_mfa: merchant.requireMfa,
    created_at: merchant.createdAt.toISOString(),
  };
}

/** Live mode as the merchant reads it: `requested` until a platform admin decides, with the reason of a refusal. */
export function liveModeObject(merchant: Merchant) {
  return {
    object: 'live_mode' as const,
    merchant: merchant.id,
    status: merchant.liveMode,
    requested_at: merchant.liveModeRequestedAt ? merchant.liveModeRequestedAt.toISOString() : null,
    reason: merchant.liveModeReason ?? null,
  };
}

/**
 * Only an owner decides whether every member needs a second factor (a key or an admin may not), and
 * turns it on only from a session that used one: otherwise the owner's next request would be refused.
 */
function assertMayRequireMfa(req: Request, on: boolean): void {
  const actor = actorOf(req);
  if (actor.type !== 'member' || actor.role !== 'owner')
    throw new PermissionError(
      'owner_required',
      'Only an owner can require a second factor of every member.',
      'require_mfa',
    );
  if (on && contextOf(req).session?.aal !== 'aal2')
    throw new PermissionError(
      'mfa_required',
      'Turn on an authenticator app for yourself and sign in with it before requiring it of every member.',
      'require_mfa',
    );
}

/** `/v1/account`: the merchant reads and changes its own account. */
export function accountRoutes(account: AccountService): Router {
  const router = Router();

  router.get('/account', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    await sendJson(req, res, 200, accountObject(await account.find(merchant), merchant.livemode));
  });

  router.post('/account', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    const params = parse(updateAccountSchema, req.body);
    if (params.require_mfa !== undefined) assertMayRequireMfa(req, params.require_mfa);
    const updated = await account.update(merchant, params);
    await sendJson(req, res, 200, accountObject(updated, merchant.livemode));
  });

  router.post('/account/live_mode_request', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, liveModeObject(await account.requestLiveMode(merchantOf(req))));
  });

  return router;
}
