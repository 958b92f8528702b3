import { Migration } from '@mikro-orm/migrations';

/**
 * Built-in templates for the two Kratos messages that carry no code (api/kratos-courier.ts): a
 * recovery or verification asked for an address no account has (`recovery_code_invalid`,
 * `verification_code_invalid`). Kratos sends them by e-mail only, and only with
 * `notify_unknown_recipients` on; seeded published, in both locales, like the other built-ins.
 */
export class Migration20261203131500_kratos_courier_templates extends Migration {
  override async up(): Promise<void> {
    const knex = this.getKnex();
    for (const template of TEMPLATES) {
      this.addSql(
        knex
          .raw(
            `insert into message_templates (id, code, channel, locale, builtin, subject, body, variables,
               published_subject, published_body, published_variables, published_at, version)
             values (?, ?, 'email', ?, true, ?, ?, '[]'::jsonb, ?, ?, '[]'::jsonb, now(), 1)
             on conflict (code, channel, locale) do nothing`,
            [
              template.id,
              template.code,
              template.locale,
              template.subject,
              template.body,
              template.subject,
              template.body,
            ],
          )
          .toQuery(),
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(
      `delete from message_templates where builtin and code in ('account_recovery_unknown', 'verification_unknown')`,
    );
  }
}

const TEMPLATES: { id: string; code: string; locale: 'zh-CN' | 'en-US'; subject: string; body: string }[] = [
  {
    id: 'tpl_builtinRecoveryUnknownMailZh',
    code: 'account_recovery_unknown',
    locale: 'zh-CN',
    subject: '通宝账号找回请求',
    body:
      '有人使用此邮箱地址请求找回通宝账号,但没有账号使用此地址。\n\n' +
      '如果是您本人操作,请确认输入的邮箱地址是否正确,或联系您的管理员。如非本人操作,请忽略本邮件。',
  },
  {
    id: 'tpl_builtinRecoveryUnknownMailEn',
    code: 'account_recovery_unknown',
    locale: 'en-US',
    subject: 'Tongbao account recovery request',
    body:
      'Someone asked to recover a Tongbao account with this e-mail address, but no account uses it.\n\n' +
      'If it was you, check the address you typed, or ask your administrator. If it was not, ignore this e-mail.',
  },
  {
    id: 'tpl_builtinVerificationUnknownMailZh',
    code: 'verification_unknown',
    locale: 'zh-CN',
    subject: '通宝邮箱验证请求',
    body: '有人请求验证此邮箱地址,但没有通宝账号使用此地址。\n\n如非本人操作,请忽略本邮件。',
  },
  {
    id: 'tpl_builtinVerificationUnknownMailEn',
    code: 'verification_unknown',
    locale: 'en-US',
    subject: 'Tongbao e-mail verification request',
    body:
      'Someone asked to verify this e-mail address, but no Tongbao account uses it.\n\n' +
      'If it was not you, ignore this e-mail.',
  },
];
