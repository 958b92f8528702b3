import { randomUUID } from 'node:crypto';

export const PROVIDER = 'aliyun';

/** The two products the sandbox answers, by the `x-acs-version` the SDKs send. */
export const SMS_VERSION = '2017-05-25';
export const DM_VERSION = '2015-11-23';

/** Per-number SMS limits: Aliyun's defaults for verification codes with one sign name (1/min, 5/hour, 10/day). */
export interface SmsLimits {
  per_minute: number;
  per_hour: number;
  per_day: number;
}

export const DEFAULT_SMS_LIMITS: SmsLimits = { per_minute: 1, per_hour: 5, per_day: 10 };

/** What the sandbox keeps of an Aliyun account (sealed like the other providers' secrets). */
export interface AliyunSecrets {
  access_key_id: string;
  access_key_secret: string;
  sign_name: string;
  sender_address: string;
  from_alias: string;
  sms_limits: SmsLimits;
  /** How long after SendSms a receipt says delivered (real time; divided by the sandbox's time scale). */
  receipt_delay_ms: number;
}

/** An approved SMS template: Aliyun renders `${name}` variables from TemplateParam. */
export interface SmsTemplate {
  template_code: string;
  /** The purpose Tongbao seeds it for, e.g. `payment_receipt`; free text for added ones. */
  name: string;
  locale: string;
  content: string;
  /** The variables `content` names, in order. */
  params: string[];
  /** The access key id of the account that owns it, or null for every account. */
  account: string | null;
}

/** Aliyun's request ids are upper-case UUIDs. */
export function requestId(): string {
  return randomUUID().toUpperCase();
}

/** `${name}` variables of a template, each once, in order. */
export function templateParams(content: string): string[] {
  const names: string[] = [];
  for (const match of content.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) if (!names.includes(match[1])) names.push(match[1]);
  return names;
}

export function renderTemplate(content: string, params: Record<string, string>): string {
  return content.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** Aliyun's `yyyy-MM-dd HH:mm:ss` in Beijing time (ReceiveDate, SendDate). */
export function beijingTime(date: Date): string {
  return new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `yyyyMMdd` in Beijing time (QuerySendDetails' SendDate). */
export function beijingDay(date: Date): string {
  return beijingTime(date).slice(0, 10).replace(/-/g, '');
}
