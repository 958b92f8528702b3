import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { MessageAccountsService, MessageAccountView } from './message-accounts.service';
import { sendJson } from './respond';
import { parse, pathId, text, withoutControlCharacters } from './validation';

// The Aliyun accounts that send SMS and e-mail (docs/messaging.md). The AccessKey secret is taken,
// sealed and never answered again.

export const credentialsSchema = {
  access_key_id: text().regex(/^[A-Za-z0-9]{8,64}$/, 'must be an Aliyun AccessKey id (letters and digits)'),
  access_key_secret: text().min(8).max(128),
  sign_name: text().trim().min(2).max(32),
  sender_address: withoutControlCharacters(z.email()).max(254),
  // Direct Mail: "The length of the nickname must be shorter than 15 characters."
  from_alias: text().trim().min(1).max(14).nullable().default(null),
};

export const createSchema = z.strictObject({
  merchant: text()
    .regex(/^mer_[0-9A-Za-z]{1,64}$/, 'must be a merchant id (mer_…)')
    .nullable()
    .default(null),
  livemode: z.boolean().default(false),
  ...credentialsSchema,
});

export const updateSchema = z.strictObject(credentialsSchema);

function credentials(params: z.infer<typeof updateSchema>) {
  return {
    accessKeyId: params.access_key_id,
    accessKeySecret: params.access_key_secret,
    signName: params.sign_name,
    senderAddress: params.sender_address,
    fromAlias: params.from_alias,
  };
}

export function messageAccountObject(account: MessageAccountView) {
  return {
    id: account.id,
    object: 'message_account' as const,
    provider: 'aliyun' as const,
    merchant: account.merchantId,
    livemode: account.livemode,
    access_key_id: account.accessKeyId,
    sign_name: account.signName,
    sender_address: account.senderAddress,
    from_alias: account.fromAlias,
    created_at: account.createdAt.toISOString(),
  };
}

/** `/v1/admin/message_accounts`: behind admin authentication. */
export function messageAccountsRoutes(accounts: MessageAccountsService): Router {
  const router = Router();

  router.post('/message_accounts', async (req: Request, res: Response) => {
    const params = parse(createSchema, req.body);
    const created = await accounts.create({
      merchantId: params.merchant,
      livemode: params.livemode,
      credentials: credentials(params),
    });
    await sendJson(req, res, 201, messageAccountObject(created));
  });

  router.post('/message_accounts/:id', async (req: Request, res: Response) => {
    const params = parse(updateSchema, req.body);
    const updated = await accounts.update(pathId(req, 'ma', 'message account'), credentials(params));
    await sendJson(req, res, 200, messageAccountObject(updated));
  });

  router.get('/message_accounts', async (req: Request, res: Response) => {
    const data = (await accounts.list()).map(messageAccountObject);
    await sendJson(req, res, 200, { object: 'list', url: '/v1/admin/message_accounts', data, has_more: false });
  });

  return router;
}
