import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Merchant } from '../db/entities';
import { BRAND_COLOR } from '../domain/brand-color';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import type { AccountService } from './account.service';
import { MAX_LOGO_BYTES, decodeLogo, logoDataUrl, type LogoProblem } from './logo-image';
import { merchantOf } from './request-context';
import { sendJson } from './respond';
import { parse, text } from './validation';

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
    created_at: merchant.createdAt.toISOString(),
  };
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
    const updated = await account.update(merchant, parse(updateAccountSchema, req.body));
    await sendJson(req, res, 200, accountObject(updated, merchant.livemode));
  });

  return router;
}
