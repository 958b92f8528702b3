import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import { parseAccountOptions } from '../account-options';
import { ControlBadRequestError } from '../errors';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import { AliyunApi } from './aliyun.api';
import { AliyunMessages } from './aliyun.messages';
import { DEFAULT_SMS_LIMITS, PROVIDER, type AliyunSecrets } from './aliyun.model';
import { aliyunControlRoutes, aliyunInboxRoutes } from './aliyun.routes';
import { AliyunTemplates, SEEDED_TEMPLATES } from './aliyun.templates';

const limit = z.int().min(1).max(1_000_000);
const accountOptionsSchema = z.strictObject({
  sign_name: z.string().min(2).max(32).optional(),
  sender_address: z.email().optional(),
  from_alias: z.string().min(1).max(64).optional(),
  sms_limits: z.strictObject({ per_minute: limit, per_hour: limit, per_day: limit }).partial().optional(),
  receipt_delay_ms: z.int().min(0).max(86_400_000).optional(),
});

/** Default delay before an SMS receipt turns DELIVERED (divided by the time scale). */
const DEFAULT_RECEIPT_DELAY_MS = 2_000;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function alphanumeric(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/**
 * Aliyun SMS (Dysmsapi 2017-05-25: SendSms, QuerySendDetails) and Direct Mail (Dm 2015-11-23:
 * SingleSendMail) for the official SDKs, which post to `/` of their endpoint: the RPC calls are
 * served at the sandbox's root (`rootRouter`), the inbox page under `/aliyun/inbox`, and
 * `/_control/messages` and `/_control/aliyun/templates` beside the other control routes.
 * Aliyun has no trades: the payment parts of the simulator interface refuse or do nothing.
 */
export function createAliyunSimulator(context: SimulatorContext): ProviderSimulator {
  const templates = new AliyunTemplates(context.accounts.pool);
  const messages = new AliyunMessages(context.accounts.pool);
  const accountByKeyId = async (accessKeyId: string): Promise<AliyunSecrets | null> =>
    (await context.accounts.get<AliyunSecrets>(PROVIDER, accessKeyId))?.secrets ?? null;
  const api = new AliyunApi({ context, templates, messages, accountByKeyId });

  const rootRouter: Router = express.Router();
  rootRouter.post(
    '/',
    (req, _res, next) => (req.headers['x-acs-action'] ? next() : next('router')),
    express.raw({ type: () => true, limit: '1mb' }),
    (req, res) => api.handle(req, res),
  );

  return {
    provider: PROVIDER,
    router: aliyunInboxRoutes({ messages }),
    rootRouter,
    controlRouter: aliyunControlRoutes({ messages, templates }),
    async createAccount(options) {
      const input = parseAccountOptions(accountOptionsSchema, options);
      const drawn = await context.accounts.insertUnderFreshId(PROVIDER, () => {
        const accessKeyId = `LTAI5t${alphanumeric(18)}`;
        const secrets: AliyunSecrets = {
          access_key_id: accessKeyId,
          access_key_secret: alphanumeric(30),
          sign_name: input.sign_name ?? '通宝支付',
          sender_address:
            input.sender_address ?? `no-reply@${accessKeyId.slice(-8).toLowerCase()}.mail.sandbox.tongbao.dev`,
          from_alias: input.from_alias ?? 'Tongbao',
          sms_limits: { ...DEFAULT_SMS_LIMITS, ...input.sms_limits },
          receipt_delay_ms: input.receipt_delay_ms ?? DEFAULT_RECEIPT_DELAY_MS,
        };
        return { accountId: accessKeyId, secrets };
      });
      const s = drawn.secrets;
      return {
        provider: PROVIDER,
        access_key_id: s.access_key_id,
        access_key_secret: s.access_key_secret,
        sign_name: s.sign_name,
        sender_address: s.sender_address,
        from_alias: s.from_alias,
        sms_limits: s.sms_limits,
        receipt_delay_ms: s.receipt_delay_ms,
        sms_endpoint: endpointOf(context.publicUrl),
        mail_endpoint: endpointOf(context.publicUrl),
        protocol: 'http',
        templates: SEEDED_TEMPLATES.map(({ template_code, name, locale, content, params }) => ({
          template_code,
          name,
          locale,
          content,
          params,
        })),
      };
    },
    pay() {
      return Promise.reject(new ControlBadRequestError('aliyun sends messages: it has no trades to pay', 'provider'));
    },
    onTradeDue: () => Promise.resolve(),
    describeTrade: () => ({ provider: PROVIDER }),
    acknowledges: () => false,
  };
}

/** The SDKs' `endpoint`: host and port, no scheme (they add `protocol`). */
function endpointOf(publicUrl: string): string {
  return new URL(publicUrl).host;
}
