/**
 * Kratos v1.3.1's HTTP courier, as Tongbao receives it: `courier.delivery_strategy: http` (email)
 * and the `sms` channel POST one call per courier message to `POST /internal/kratos/courier`, the
 * body built by kratos/courier.jsonnet from the courier's context (courier/http_channel.go:
 * `recipient`, `template_type`, `template_data`, `message_type`, plus a rendered subject and body
 * that Tongbao ignores: it renders its own templates).
 *
 * This module is pure: it reads that body and says which of Tongbao's templates to send, to whom,
 * in which locale, with which variables, and under which object id (the idempotency of
 * messaging/outbox.ts).
 */
import { createHmac } from 'node:crypto';
import { InvalidRequestError } from './errors';
import { hasForbiddenCharacters } from './validation';

/** The template types Kratos' code method queues (courier/template/type.go); the link method's are not taken. */
export const KRATOS_TEMPLATE_TYPES = [
  'recovery_code_valid',
  'recovery_code_invalid',
  'verification_code_valid',
  'verification_code_invalid',
  'login_code_valid',
  'registration_code_valid',
] as const;
export type KratosTemplateType = (typeof KRATOS_TEMPLATE_TYPES)[number];

/** Kratos' courier message types (courier/message.go). */
export type KratosMessageType = 'email' | 'sms';

export type CourierLocale = 'zh-CN' | 'en-US';

/** Used when the identity has no `locale` trait, or none Tongbao has templates for. */
export const DEFAULT_COURIER_LOCALE: CourierLocale = 'zh-CN';

/**
 * Minutes a Kratos code stays valid: `selfservice.methods.code.config.lifespan` in
 * kratos/kratos.yml (a unit test holds the two together). Kratos does not send it with the
 * message, and the code templates tell the reader.
 */
export const KRATOS_CODE_LIFESPAN_MINUTES = 15;

/** A courier call, read and checked. */
export interface KratosCourierMessage {
  templateType: KratosTemplateType;
  channel: KratosMessageType;
  /** An e-mail address, or an E.164 phone number. */
  to: string;
  /** The one-time code; null for the *_invalid types, which tell that no account has the address. */
  code: string | null;
  locale: CourierLocale;
  /** Where the flow was started: part of an *_invalid message's object id. */
  requestUrl: string | null;
}

/** What to hand messaging/outbox.ts's requestMessage for a courier message (less account and mode). */
export interface CourierSend {
  template: string;
  channel: KratosMessageType;
  to: string;
  locale: CourierLocale;
  variables: Record<string, string>;
  objectId: string;
}

/**
 * Tongbao's template for each Kratos template type. Sign-in and registration codes are
 * verification codes to the reader; the *_invalid types have templates of their own
 * (migrations/Migration20261203130000_kratos_templates.ts), email only, as Kratos sends them.
 */
export const COURIER_TEMPLATE_OF: Record<KratosTemplateType, string> = {
  recovery_code_valid: 'account_recovery',
  recovery_code_invalid: 'account_recovery_unknown',
  verification_code_valid: 'verification_code',
  verification_code_invalid: 'verification_unknown',
  login_code_valid: 'verification_code',
  registration_code_valid: 'verification_code',
};

/** Where each type carries its code in `template_data` (courier/template/email/*.go); null: none. */
const CODE_FIELD_OF: Record<KratosTemplateType, string | null> = {
  recovery_code_valid: 'recovery_code',
  recovery_code_invalid: null,
  verification_code_valid: 'verification_code',
  verification_code_invalid: null,
  login_code_valid: 'login_code',
  registration_code_valid: 'registration_code',
};

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** Kratos' codes are 6 digits; any short code of letters and digits is taken, nothing else. */
const CODE = /^[0-9A-Za-z]{4,32}$/;

/**
 * Reads a courier call's body. Raises InvalidRequestError (400) naming the field when it is not
 * what kratos/courier.jsonnet sends; fields Tongbao does not use are ignored, so Kratos' whole
 * context (a body of `function(ctx) ctx`) is taken too.
 */
export function parseKratosCourierMessage(body: unknown): KratosCourierMessage {
  const root = objectAt(body, null);
  const templateType = stringAt(root, 'template_type', 'template_type');
  if (!(KRATOS_TEMPLATE_TYPES as readonly string[]).includes(templateType)) {
    throw new InvalidRequestError(
      'parameter_invalid',
      `Invalid template_type: '${templateType.slice(0, 64)}' is not one Tongbao sends (${KRATOS_TEMPLATE_TYPES.join(', ')}).`,
      'template_type',
    );
  }
  const type = templateType as KratosTemplateType;
  const messageType = stringAt(root, 'message_type', 'message_type');
  if (messageType !== 'email' && messageType !== 'sms') {
    throw new InvalidRequestError('parameter_invalid', 'Invalid message_type: must be email or sms.', 'message_type');
  }
  const to = stringAt(root, 'recipient', 'recipient').trim();
  if (messageType === 'email' ? !EMAIL.test(to) : !E164.test(to)) {
    throw new InvalidRequestError(
      'parameter_invalid',
      `Invalid recipient: must be ${messageType === 'email' ? 'an e-mail address' : 'a phone number in E.164 (+8613800138000)'}.`,
      'recipient',
    );
  }
  const data = objectAt(root.template_data, 'template_data');

  const codeField = CODE_FIELD_OF[type];
  let code: string | null = null;
  if (codeField !== null) {
    const param = `template_data[${codeField}]`;
    code = stringAt(data, codeField, param);
    // The message never repeats the code: it may be someone's.
    if (!CODE.test(code)) throw new InvalidRequestError('parameter_invalid', `Invalid ${param}: not a code.`, param);
  }

  const requestUrl = typeof data.request_url === 'string' ? data.request_url : null;
  return { templateType: type, channel: messageType, to, code, locale: localeOf(data), requestUrl };
}

/**
 * The identity's `locale` trait (template_data.identity.traits; a registration code's
 * template_data.traits), as one of Tongbao's locales: "en", "en_US", "en-GB" are English, any
 * other value or none is zh-CN. Kratos' *_invalid types carry no identity: zh-CN.
 */
export function localeOf(data: Record<string, unknown>): CourierLocale {
  const identity = isObject(data.identity) ? data.identity : null;
  const traits = isObject(identity?.traits) ? identity.traits : isObject(data.traits) ? data.traits : null;
  const locale = traits?.locale;
  if (typeof locale !== 'string') return DEFAULT_COURIER_LOCALE;
  const language = locale.trim().toLowerCase().split(/[-_]/)[0];
  if (language === 'en') return 'en-US';
  return DEFAULT_COURIER_LOCALE;
}

/**
 * What to send for a courier message. `objectKey` keys its object id, an HMAC of the message's
 * content: Kratos v1.3.1 sends no message id, and retries a message (its HTTP client twice on a
 * 5xx, its courier on every failure up to `courier.message_retries`) with the same body, so the
 * same content is the same message. A code is random per message, so (type, recipient, code)
 * tells two messages apart; the HMAC keeps the code out of the object id, which Temporal's
 * search attributes show. An *_invalid message has no code: (type, recipient, where the flow
 * began, the hour `now` falls in) is its identity, so repeated attempts on an unknown address
 * bring one notice an hour, and a retry that crosses the hour a second one.
 */
export function courierSendOf(message: KratosCourierMessage, objectKey: string, now: Date): CourierSend {
  const variables: Record<string, string> =
    message.code === null ? {} : { code: message.code, minutes: String(KRATOS_CODE_LIFESPAN_MINUTES) };
  const identity = [
    message.templateType,
    message.channel,
    message.to.toLowerCase(),
    ...(message.code === null
      ? [message.requestUrl ?? '', String(Math.floor(now.getTime() / 3_600_000))]
      : [message.code]),
  ].join('\n');
  const digest = createHmac('sha256', objectKey).update(identity).digest('hex').slice(0, 32);
  return {
    template: COURIER_TEMPLATE_OF[message.templateType],
    channel: message.channel,
    to: message.to,
    locale: message.locale,
    variables,
    objectId: `kratos_${digest}`,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, param: string | null): Record<string, unknown> {
  if (isObject(value)) return value;
  if (param === null) throw new InvalidRequestError('invalid_body', 'The request body must be a JSON object.');
  if (value === undefined)
    throw new InvalidRequestError('parameter_missing', `Missing required param: ${param}.`, param);
  throw new InvalidRequestError('parameter_invalid', `Invalid ${param}: must be an object.`, param);
}

function stringAt(object: Record<string, unknown>, key: string, param: string): string {
  const value = object[key];
  if (value === undefined || value === null || value === '')
    throw new InvalidRequestError('parameter_missing', `Missing required param: ${param}.`, param);
  if (typeof value !== 'string')
    throw new InvalidRequestError('parameter_invalid', `Invalid ${param}: must be a string.`, param);
  if (value.length > 320 || hasForbiddenCharacters(value))
    throw new InvalidRequestError('parameter_invalid', `Invalid ${param}: too long or has control characters.`, param);
  return value;
}
