import type { Pool } from 'pg';
import { templateParams, type SmsTemplate } from './aliyun.model';

/**
 * Approved SMS templates, seeded for Tongbao's six built-in purposes in zh-CN and en-US (codes
 * stable across sandboxes, so the gateway's templates can name them), plus what tests add with
 * `POST /_control/aliyun/templates`, for one account or for all.
 */
const SEEDS: Omit<SmsTemplate, 'params' | 'account'>[] = [
  {
    template_code: 'SMS_900000001',
    name: 'payment_receipt',
    locale: 'zh-CN',
    content: '您在${merchant}的付款${amount}已成功,订单号${order},感谢惠顾。',
  },
  {
    template_code: 'SMS_900000002',
    name: 'payment_receipt',
    locale: 'en-US',
    content: 'Your payment of ${amount} to ${merchant} succeeded. Order ${order}. Thank you.',
  },
  {
    template_code: 'SMS_900000003',
    name: 'refund_receipt',
    locale: 'zh-CN',
    content: '${merchant}已为订单${order}退款${amount},预计1-3个工作日到账。',
  },
  {
    template_code: 'SMS_900000004',
    name: 'refund_receipt',
    locale: 'en-US',
    content: '${merchant} refunded ${amount} for order ${order}. Expect it within 1-3 business days.',
  },
  {
    template_code: 'SMS_900000005',
    name: 'verification_code',
    locale: 'zh-CN',
    content: '您的验证码为${code},${minutes}分钟内有效,请勿泄露于他人。',
  },
  {
    template_code: 'SMS_900000006',
    name: 'verification_code',
    locale: 'en-US',
    content: 'Your verification code is ${code}. It expires in ${minutes} minutes. Do not share it.',
  },
  {
    template_code: 'SMS_900000007',
    name: 'account_recovery',
    locale: 'zh-CN',
    content: '您正在找回账号,验证码${code},${minutes}分钟内有效。如非本人操作请忽略。',
  },
  {
    template_code: 'SMS_900000008',
    name: 'account_recovery',
    locale: 'en-US',
    content: 'Your account recovery code is ${code}, valid for ${minutes} minutes. Ignore this if it was not you.',
  },
  {
    template_code: 'SMS_900000009',
    name: 'team_invitation',
    locale: 'zh-CN',
    content: '${inviter}邀请您加入${team},请在${days}天内登录接受邀请。',
  },
  {
    template_code: 'SMS_900000010',
    name: 'team_invitation',
    locale: 'en-US',
    content: '${inviter} invited you to join ${team}. Sign in within ${days} days to accept.',
  },
  {
    template_code: 'SMS_900000011',
    name: 'stuck_refund_alert',
    locale: 'zh-CN',
    content: '告警:退款${refund}(订单${order})已卡住${hours}小时,请尽快处理。',
  },
  {
    template_code: 'SMS_900000012',
    name: 'stuck_refund_alert',
    locale: 'en-US',
    content: 'Alert: refund ${refund} (order ${order}) has been stuck for ${hours} hours. Please act.',
  },
];

export const SEEDED_TEMPLATES: readonly SmsTemplate[] = SEEDS.map((seed) => ({
  ...seed,
  params: templateParams(seed.content),
  account: null,
}));

export class AliyunTemplates {
  constructor(private readonly pool: Pool) {}

  /** The template `code` as `accessKeyId`'s account sees it: its own first, then one for all, then the seeds. */
  async find(accessKeyId: string, code: string): Promise<SmsTemplate | null> {
    const { rows } = await this.pool.query<{ account_id: string; data: SmsTemplate }>(
      `SELECT account_id, data FROM sandbox_aliyun_templates WHERE template_code = $1 AND account_id IN ($2, '*')
       ORDER BY (account_id = '*')`,
      [code, accessKeyId],
    );
    if (rows[0]) return rows[0].data;
    return SEEDED_TEMPLATES.find((t) => t.template_code === code) ?? null;
  }

  /** Every template an account may use (or, without one, every template the sandbox has). */
  async list(accessKeyId: string | null): Promise<SmsTemplate[]> {
    const { rows } = await this.pool.query<{ data: SmsTemplate }>(
      `SELECT data FROM sandbox_aliyun_templates WHERE $1::text IS NULL OR account_id IN ($1, '*') ORDER BY template_code`,
      [accessKeyId],
    );
    const added = rows.map((row) => row.data);
    const shadowed = new Set(added.map((t) => t.template_code));
    return [...SEEDED_TEMPLATES.filter((t) => !shadowed.has(t.template_code)), ...added];
  }

  /** Adds (or replaces) a template. */
  async put(template: SmsTemplate): Promise<SmsTemplate> {
    await this.pool.query(
      `INSERT INTO sandbox_aliyun_templates (account_id, template_code, data, created_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (account_id, template_code) DO UPDATE SET data = EXCLUDED.data`,
      [template.account ?? '*', template.template_code, JSON.stringify(template)],
    );
    return template;
  }
}
