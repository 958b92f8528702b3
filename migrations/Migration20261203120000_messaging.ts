import { Migration } from '@mikro-orm/migrations';

/**
 * SMS and e-mail (issue 12): the Aliyun accounts that send them, the templates admins edit, every
 * message and every attempt to send it. A message is written once by the API or an activity and
 * then only by its workflow (`message/<msg_id>`), like payments.
 *
 * The built-in templates are seeded published, in both locales and on both channels. The SMS ones
 * name the sandbox's seeded Aliyun template codes (sandbox/aliyun/aliyun.templates.ts) and use
 * their `${var}` names: in live mode an admin replaces the code with the one Aliyun approved.
 */
export class Migration20261203120000_messaging extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table message_accounts (
        id text primary key,
        -- Null: the platform's own account, used for every merchant without one of its own.
        merchant_id text references merchants(id),
        livemode boolean not null,
        provider text not null check (provider in ('aliyun')),
        -- The AccessKey id: not a secret, and what support staff see.
        external_id text not null,
        -- AES-256-GCM (db/secret-box.ts) of messaging/transport.ts AliyunCredentials.
        credentials_encrypted text not null,
        created_at timestamptz not null default now()
      );
      create unique index message_accounts_owner on message_accounts (coalesce(merchant_id, ''), livemode);

      create table message_templates (
        id text primary key,
        code text not null check (code ~ '^[a-z][a-z0-9_]{1,63}$'),
        channel text not null check (channel in ('sms', 'email')),
        locale text not null check (locale in ('zh-CN', 'en-US')),
        builtin boolean not null default false,
        -- The draft, which PATCH edits and preview renders.
        subject text,
        body text not null,
        variables jsonb not null default '[]',
        aliyun_template_code text,
        -- The published version, which every send uses; null until first published.
        published_subject text,
        published_body text,
        published_variables jsonb,
        published_aliyun_template_code text,
        published_at timestamptz,
        version integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (code, channel, locale),
        check (channel = 'email' or subject is null),
        check (channel = 'sms' or subject is not null)
      );

      create table messages (
        id text primary key,
        merchant_id text references merchants(id),
        livemode boolean not null,
        template text not null,
        channel text not null check (channel in ('sms', 'email')),
        -- E.164 for SMS, lower case for e-mail; blanked with the customer's other personal data.
        recipient text,
        locale text not null check (locale in ('zh-CN', 'en-US')),
        -- What the message is about (pay_…, re_…, a verification, a Kratos courier message).
        object_id text not null,
        customer_id text,
        -- template:object:channel:recipient — a receipt is never sent twice.
        idempotency_key text not null unique,
        -- The values sealed (codes among them); the rendered body below has secret values masked.
        variables_encrypted text not null,
        template_version integer,
        subject text,
        body text,
        message_account_id text references message_accounts(id),
        -- Aliyun's BizId (SMS) or EnvId (Direct Mail).
        provider_message_id text,
        status text not null default 'pending'
          check (status in ('pending', 'sent', 'delivered', 'failed', 'undeliverable')),
        failure_code text,
        failure_message text,
        attempt_count integer not null default 0,
        created_at timestamptz not null default now(),
        sent_at timestamptz,
        delivered_at timestamptz,
        updated_at timestamptz not null default now()
      );
      -- GET /v1/admin/messages, newest first, and its filters.
      create index messages_created on messages (created_at desc, id desc);
      create index messages_recipient on messages (recipient, created_at desc) where recipient is not null;
      create index messages_merchant on messages (merchant_id, created_at desc);
      create index messages_customer on messages (customer_id) where customer_id is not null;

      create table message_attempts (
        message_id text not null references messages(id),
        number integer not null,
        at timestamptz not null,
        outcome text not null check (outcome in ('sent', 'retryable', 'throttled', 'final')),
        -- Aliyun's Code (OK, isv.BUSINESS_LIMIT_CONTROL, SignatureDoesNotMatch…) or http_<status> / network.
        code text not null,
        message text,
        request_id text,
        latency_ms integer not null,
        primary key (message_id, number)
      );

      -- Where a receipt goes when the payment names no customer: the shopper asked for one on the
      -- hosted checkout without saving their details.
      alter table payments add column receipt_email text, add column receipt_phone text,
        add column receipt_locale text check (receipt_locale in ('zh-CN', 'en-US'));
    `);
    const knex = this.getKnex();
    for (const template of BUILTIN_TEMPLATES) {
      this.addSql(
        knex
          .raw(
            `insert into message_templates (id, code, channel, locale, builtin, subject, body, variables, aliyun_template_code,
           published_subject, published_body, published_variables, published_aliyun_template_code, published_at, version)
         values (?, ?, ?, ?, true, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, now(), 1)
         on conflict (code, channel, locale) do nothing`,
            [
              template.id,
              template.code,
              template.channel,
              template.locale,
              template.subject,
              template.body,
              JSON.stringify(template.variables),
              template.aliyunTemplateCode,
              template.subject,
              template.body,
              JSON.stringify(template.variables),
              template.aliyunTemplateCode,
            ],
          )
          .toQuery(),
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table payments drop column if exists receipt_email, drop column if exists receipt_phone,
        drop column if exists receipt_locale;
      drop table if exists message_attempts;
      drop table if exists messages;
      drop table if exists message_templates;
      drop table if exists message_accounts;
    `);
  }
}

type Variable = { name: string; type: string; sample: string; secret?: true };

const v = (name: string, type: string, sample: string, secret?: true): Variable =>
  secret ? { name, type, sample, secret } : { name, type, sample };

const MERCHANT = v('merchant', 'string', '示例商店 Example Shop');
const AMOUNT = v('amount', 'amount', '¥88.00');
const ORDER = v('order', 'string', 'ORDER-20261203-0001');
const CODE = v('code', 'code', '493817', true);
const MINUTES = v('minutes', 'number', '10');

interface Seed {
  id: string;
  code: string;
  channel: 'sms' | 'email';
  locale: 'zh-CN' | 'en-US';
  subject: string | null;
  body: string;
  variables: Variable[];
  aliyunTemplateCode: string | null;
}

const sms = (id: string, code: string, locale: Seed['locale'], aliyun: string, body: string, variables: Variable[]) =>
  ({ id, code, channel: 'sms', locale, subject: null, body, variables, aliyunTemplateCode: aliyun }) satisfies Seed;
const email = (
  id: string,
  code: string,
  locale: Seed['locale'],
  subject: string,
  body: string,
  variables: Variable[],
) => ({ id, code, channel: 'email', locale, subject, body, variables, aliyunTemplateCode: null }) satisfies Seed;

const BUILTIN_TEMPLATES: Seed[] = [
  sms(
    'tpl_builtinPaymentReceiptSmsZh',
    'payment_receipt',
    'zh-CN',
    'SMS_900000001',
    '您在${merchant}的付款${amount}已成功,订单号${order},感谢惠顾。',
    [MERCHANT, AMOUNT, ORDER],
  ),
  sms(
    'tpl_builtinPaymentReceiptSmsEn',
    'payment_receipt',
    'en-US',
    'SMS_900000002',
    'Your payment of ${amount} to ${merchant} succeeded. Order ${order}. Thank you.',
    [MERCHANT, AMOUNT, ORDER],
  ),
  sms(
    'tpl_builtinRefundReceiptSmsZh',
    'refund_receipt',
    'zh-CN',
    'SMS_900000003',
    '${merchant}已为订单${order}退款${amount},预计1-3个工作日到账。',
    [MERCHANT, AMOUNT, ORDER],
  ),
  sms(
    'tpl_builtinRefundReceiptSmsEn',
    'refund_receipt',
    'en-US',
    'SMS_900000004',
    '${merchant} refunded ${amount} for order ${order}. Expect it within 1-3 business days.',
    [MERCHANT, AMOUNT, ORDER],
  ),
  sms(
    'tpl_builtinVerificationSmsZh',
    'verification_code',
    'zh-CN',
    'SMS_900000005',
    '您的验证码为${code},${minutes}分钟内有效,请勿泄露于他人。',
    [CODE, MINUTES],
  ),
  sms(
    'tpl_builtinVerificationSmsEn',
    'verification_code',
    'en-US',
    'SMS_900000006',
    'Your verification code is ${code}. It expires in ${minutes} minutes. Do not share it.',
    [CODE, MINUTES],
  ),
  sms(
    'tpl_builtinRecoverySmsZh',
    'account_recovery',
    'zh-CN',
    'SMS_900000007',
    '您正在找回账号,验证码${code},${minutes}分钟内有效。如非本人操作请忽略。',
    [CODE, MINUTES],
  ),
  sms(
    'tpl_builtinRecoverySmsEn',
    'account_recovery',
    'en-US',
    'SMS_900000008',
    'Your account recovery code is ${code}, valid for ${minutes} minutes. Ignore this if it was not you.',
    [CODE, MINUTES],
  ),
  sms(
    'tpl_builtinInvitationSmsZh',
    'team_invitation',
    'zh-CN',
    'SMS_900000009',
    '${inviter}邀请您加入${team},请在${days}天内登录接受邀请。',
    [v('inviter', 'string', '王芳'), v('team', 'string', '示例商店'), v('days', 'number', '7')],
  ),
  sms(
    'tpl_builtinInvitationSmsEn',
    'team_invitation',
    'en-US',
    'SMS_900000010',
    '${inviter} invited you to join ${team}. Sign in within ${days} days to accept.',
    [v('inviter', 'string', 'Fang Wang'), v('team', 'string', 'Example Shop'), v('days', 'number', '7')],
  ),
  sms(
    'tpl_builtinStuckRefundSmsZh',
    'stuck_refund_alert',
    'zh-CN',
    'SMS_900000011',
    '告警:退款${refund}(订单${order})已卡住${hours}小时,请尽快处理。',
    [v('refund', 'string', 're_3kTMd9sQ'), ORDER, v('hours', 'number', '24')],
  ),
  sms(
    'tpl_builtinStuckRefundSmsEn',
    'stuck_refund_alert',
    'en-US',
    'SMS_900000012',
    'Alert: refund ${refund} (order ${order}) has been stuck for ${hours} hours. Please act.',
    [v('refund', 'string', 're_3kTMd9sQ'), ORDER, v('hours', 'number', '24')],
  ),

  email(
    'tpl_builtinPaymentReceiptMailZh',
    'payment_receipt',
    'zh-CN',
    '${merchant} 付款成功 ${amount}',
    '您好,\n\n您在${merchant}的付款已成功。\n\n金额:${amount}\n订单号:${order}\n付款编号:${payment}\n时间:${paid_at}\n\n感谢惠顾。',
    [MERCHANT, AMOUNT, ORDER, v('payment', 'string', 'pay_3kTMd9sQ'), v('paid_at', 'date', '2026-12-03 14:05')],
  ),
  email(
    'tpl_builtinPaymentReceiptMailEn',
    'payment_receipt',
    'en-US',
    'Your receipt from ${merchant}: ${amount}',
    'Hello,\n\nYour payment to ${merchant} succeeded.\n\nAmount: ${amount}\nOrder: ${order}\nPayment: ${payment}\nDate: ${paid_at}\n\nThank you.',
    [MERCHANT, AMOUNT, ORDER, v('payment', 'string', 'pay_3kTMd9sQ'), v('paid_at', 'date', '2026-12-03 14:05')],
  ),
  email(
    'tpl_builtinRefundReceiptMailZh',
    'refund_receipt',
    'zh-CN',
    '${merchant} 已退款 ${amount}',
    '您好,\n\n${merchant}已为订单${order}退款${amount}。\n退款编号:${refund}\n\n款项预计1-3个工作日退回原支付账户。',
    [MERCHANT, AMOUNT, ORDER, v('refund', 'string', 're_3kTMd9sQ')],
  ),
  email(
    'tpl_builtinRefundReceiptMailEn',
    'refund_receipt',
    'en-US',
    '${merchant} refunded ${amount}',
    'Hello,\n\n${merchant} refunded ${amount} for order ${order}.\nRefund: ${refund}\n\nExpect it back on your original payment account within 1-3 business days.',
    [MERCHANT, AMOUNT, ORDER, v('refund', 'string', 're_3kTMd9sQ')],
  ),
  email(
    'tpl_builtinVerificationMailZh',
    'verification_code',
    'zh-CN',
    '您的验证码 ${code}',
    '您的验证码为 ${code},${minutes}分钟内有效,请勿泄露于他人。',
    [CODE, MINUTES],
  ),
  email(
    'tpl_builtinVerificationMailEn',
    'verification_code',
    'en-US',
    'Your verification code: ${code}',
    'Your verification code is ${code}. It expires in ${minutes} minutes. Do not share it with anyone.',
    [CODE, MINUTES],
  ),
  email(
    'tpl_builtinRecoveryMailZh',
    'account_recovery',
    'zh-CN',
    '找回您的通宝账号',
    '您正在找回账号,验证码为 ${code},${minutes}分钟内有效。\n\n如非本人操作,请忽略本邮件,您的账号依然安全。',
    [CODE, MINUTES],
  ),
  email(
    'tpl_builtinRecoveryMailEn',
    'account_recovery',
    'en-US',
    'Recover your Tongbao account',
    'Your account recovery code is ${code}. It is valid for ${minutes} minutes.\n\nIf you did not ask for it, ignore this e-mail: your account is safe.',
    [CODE, MINUTES],
  ),
  email(
    'tpl_builtinInvitationMailZh',
    'team_invitation',
    'zh-CN',
    '${inviter} 邀请您加入 ${team}',
    '您好,\n\n${inviter}邀请您加入${team}的通宝商户后台。\n请在${days}天内打开以下链接接受邀请:\n${link}',
    [
      v('inviter', 'string', '王芳'),
      v('team', 'string', '示例商店'),
      v('days', 'number', '7'),
      v('link', 'url', 'https://tongbao.example/dashboard/invitation'),
    ],
  ),
  email(
    'tpl_builtinInvitationMailEn',
    'team_invitation',
    'en-US',
    '${inviter} invited you to ${team} on Tongbao',
    'Hello,\n\n${inviter} invited you to join ${team} on the Tongbao dashboard.\nAccept within ${days} days at:\n${link}',
    [
      v('inviter', 'string', 'Fang Wang'),
      v('team', 'string', 'Example Shop'),
      v('days', 'number', '7'),
      v('link', 'url', 'https://tongbao.example/dashboard/invitation'),
    ],
  ),
  email(
    'tpl_builtinStuckRefundMailZh',
    'stuck_refund_alert',
    'zh-CN',
    '告警:退款 ${refund} 已卡住 ${hours} 小时',
    '退款${refund}(商户${merchant},订单${order})已卡住${hours}小时,渠道最后的回复:${reason}\n\n请在管理后台处理:${link}',
    [
      v('refund', 'string', 're_3kTMd9sQ'),
      MERCHANT,
      ORDER,
      v('hours', 'number', '24'),
      v('reason', 'string', 'SYSTEM_ERROR'),
      v('link', 'url', 'https://tongbao.example/admin/refunds'),
    ],
  ),
  email(
    'tpl_builtinStuckRefundMailEn',
    'stuck_refund_alert',
    'en-US',
    'Alert: refund ${refund} stuck for ${hours} hours',
    'Refund ${refund} (merchant ${merchant}, order ${order}) has been stuck for ${hours} hours. The provider last said: ${reason}\n\nHandle it in the admin console: ${link}',
    [
      v('refund', 'string', 're_3kTMd9sQ'),
      MERCHANT,
      ORDER,
      v('hours', 'number', '24'),
      v('reason', 'string', 'SYSTEM_ERROR'),
      v('link', 'url', 'https://tongbao.example/admin/refunds'),
    ],
  ),
];
