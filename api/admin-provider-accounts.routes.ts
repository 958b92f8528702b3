import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHANNELS } from '../domain/payment';
import type { CredentialPart } from '../domain/provider-account';
import type { ChannelRoutesService, ChannelRouteView } from './channel-routes.service';
import { InvalidRequestError } from './errors';
import type { CredentialsCheck, ProviderAccountsService, ProviderAccountView } from './provider-accounts.service';
import { sendJson } from './respond';
import { emptyBodySchema, parse, pathId, text } from './validation';

// A merchant's provider accounts and channel routes, as the admin console manages them
// (`/v1/admin/…`, behind admin authentication; roles in api/staff-roles.ts). Credentials go in as
// the uploaded files' contents and never come out: answers describe them by fingerprint.

export const setChannelRouteSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  livemode: z.boolean().default(false),
  provider_account: text().regex(/^pa_[0-9A-Za-z]{1,64}$/, 'must be a provider account id (pa_…)'),
});

export const channelRouteQuerySchema = z.strictObject({
  livemode: z.enum(['true', 'false'], { message: 'must be true or false' }),
});

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function credentialPartObject(part: CredentialPart) {
  return {
    field: part.field,
    kind: part.kind,
    key_type: part.keyType,
    key_bits: part.keyBits,
    public_key_sha256: part.publicKeySha256,
    serial: part.serial,
    subject: part.subject,
    valid_from: iso(part.validFrom),
    valid_to: iso(part.validTo),
  };
}

export function credentialsCheckObject(check: CredentialsCheck) {
  return {
    ok: check.ok,
    outcome: check.outcome,
    provider_answer: check.providerAnswer,
    message: check.message,
    checked_at: check.checkedAt.toISOString(),
  };
}

export function providerAccountObject(account: ProviderAccountView) {
  return {
    id: account.id,
    object: 'provider_account' as const,
    merchant: account.merchantId,
    provider: account.provider,
    livemode: account.livemode,
    external_id: account.externalId,
    credentials: account.parts.map(credentialPartObject),
    credentials_error: account.credentialsError,
    channels: account.channels,
    created_at: account.createdAt.toISOString(),
    credentials_updated_at: iso(account.credentialsUpdatedAt),
    last_check: account.lastCheck ? credentialsCheckObject(account.lastCheck) : null,
  };
}

export function credentialsCheckAnswer(account: string, check: CredentialsCheck) {
  return { object: 'provider_account_check' as const, provider_account: account, ...credentialsCheckObject(check) };
}

export function channelRouteObject(route: ChannelRouteView) {
  return {
    object: 'channel_route' as const,
    merchant: route.merchantId,
    livemode: route.livemode,
    channel: route.channel,
    provider_account: route.providerAccountId,
    provider: route.provider,
    external_id: route.externalId,
    created_at: route.createdAt.toISOString(),
  };
}

const merchantId = (req: Request) => pathId(req, 'mer', 'merchant');
const accountId = (req: Request) => pathId(req, 'pa', 'provider account');

function channelParam(req: Request) {
  const parsed = z.enum(CHANNELS).safeParse(req.params.channel);
  if (!parsed.success)
    throw new InvalidRequestError(
      'parameter_invalid',
      `Invalid channel: must be one of ${CHANNELS.join(', ')}`,
      'channel',
    );
  return parsed.data;
}

export function adminProviderAccountsRoutes(accounts: ProviderAccountsService, routes: ChannelRoutesService): Router {
  const router = Router();

  router.get('/merchants/:id/provider_accounts', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const data = (await accounts.listForMerchant(id)).map(providerAccountObject);
    await sendJson(req, res, 200, {
      object: 'list',
      url: `/v1/admin/merchants/${id}/provider_accounts`,
      data,
      has_more: false,
    });
  });

  router.post('/merchants/:id/provider_accounts', async (req: Request, res: Response) => {
    await sendJson(req, res, 201, providerAccountObject(await accounts.create(merchantId(req), req.body)));
  });

  router.get('/provider_accounts/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, providerAccountObject(await accounts.get(accountId(req))));
  });

  router.post('/provider_accounts/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, providerAccountObject(await accounts.update(accountId(req), req.body)));
  });

  router.post('/provider_accounts/:id/test', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.body ?? {});
    const id = accountId(req);
    const { check } = await accounts.check(id);
    await sendJson(req, res, 200, credentialsCheckAnswer(id, check));
  });

  router.get('/merchants/:id/channel_routes', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const data = (await routes.list(id)).map(channelRouteObject);
    await sendJson(req, res, 200, {
      object: 'list',
      url: `/v1/admin/merchants/${id}/channel_routes`,
      data,
      has_more: false,
    });
  });

  router.post('/merchants/:id/channel_routes', async (req: Request, res: Response) => {
    const params = parse(setChannelRouteSchema, req.body);
    const route = await routes.set(merchantId(req), {
      channel: params.channel,
      livemode: params.livemode,
      providerAccountId: params.provider_account,
    });
    await sendJson(req, res, 200, channelRouteObject(route));
  });

  router.delete('/merchants/:id/channel_routes/:channel', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const channel = channelParam(req);
    const { livemode } = parse(channelRouteQuerySchema, req.query, 'query');
    await sendJson(req, res, 200, channelRouteObject(await routes.remove(id, channel, livemode === 'true')));
  });

  return router;
}
