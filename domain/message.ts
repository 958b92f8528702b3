import type { CheckoutLocale } from './checkout-session';

// SMS and e-mail (API.md "Platform administration", Messaging): templates admins edit and publish,
// and messages, each sent by its own workflow `message/<msg_id>`.

export const MESSAGE_CHANNELS = ['sms', 'email'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export type MessageLocale = CheckoutLocale;

/**
 * - `pending`: not sent yet (or being retried);
 * - `sent`: Aliyun accepted it; an SMS waits for its delivery receipt;
 * - `delivered`: the handset received the SMS, or Direct Mail accepted the e-mail (it reports no receipt to us);
 * - `failed`: it could not be sent (a final error such as a refused AccessKey, or retries exhausted);
 * - `undeliverable`: Aliyun sent it and the carrier reported it could not deliver it, or no receipt ever came.
 */
export const MESSAGE_STATUSES = ['pending', 'sent', 'delivered', 'failed', 'undeliverable'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export function isFinalMessageStatus(status: MessageStatus): boolean {
  return status === 'delivered' || status === 'failed' || status === 'undeliverable';
}

export const TEMPLATE_VARIABLE_TYPES = ['string', 'amount', 'code', 'url', 'date', 'number'] as const;
export type TemplateVariableType = (typeof TEMPLATE_VARIABLE_TYPES)[number];

/** A value a template takes: `${name}` in its body (and an e-mail's subject), Aliyun's syntax. */
export interface TemplateVariable {
  name: string;
  type: TemplateVariableType;
  /** What the preview shows when no value is given. */
  sample: string;
  /** A code: masked in the stored body, the message log and the workflow's search attributes. */
  secret?: boolean;
}

/** The part of a template a send renders: the published version, or the draft in a preview. */
export interface TemplateContent {
  channel: MessageChannel;
  subject: string | null;
  body: string;
  variables: TemplateVariable[];
  aliyunTemplateCode: string | null;
}

/** A template as the database holds it: the draft, and the published version every send uses. */
export interface MessageTemplateRecord {
  id: string;
  code: string;
  channel: MessageChannel;
  locale: MessageLocale;
  builtin: boolean;
  subject: string | null;
  body: string;
  variables: TemplateVariable[];
  aliyunTemplateCode: string | null;
  publishedSubject: string | null;
  publishedBody: string | null;
  publishedVariables: TemplateVariable[] | null;
  publishedAliyunTemplateCode: string | null;
  publishedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The published version of a template, or null if it was never published. */
export function publishedContent(template: MessageTemplateRecord): TemplateContent | null {
  if (template.publishedBody === null || template.publishedVariables === null) return null;
  return {
    channel: template.channel,
    subject: template.publishedSubject,
    body: template.publishedBody,
    variables: template.publishedVariables,
    aliyunTemplateCode: template.publishedAliyunTemplateCode,
  };
}

export function draftContent(template: MessageTemplateRecord): TemplateContent {
  return {
    channel: template.channel,
    subject: template.subject,
    body: template.body,
    variables: template.variables,
    aliyunTemplateCode: template.aliyunTemplateCode,
  };
}

/** 'published' while the draft is the published version; 'draft' once it was edited after (or never published). */
export function templateStatus(template: MessageTemplateRecord): 'draft' | 'published' {
  const published = publishedContent(template);
  if (!published) return 'draft';
  const draft = draftContent(template);
  return JSON.stringify(draft) === JSON.stringify(published) ? 'published' : 'draft';
}

/** The `${name}`s a text uses, in order of first use. */
export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) if (!names.includes(match[1])) names.push(match[1]);
  return names;
}

/** One reason a template's content cannot be published, and the field of the template it is about. */
export interface PublishProblem {
  param: 'subject' | 'body' | 'variables' | 'aliyun_template_code';
  message: string;
}

/** Why a template's content cannot be published, naming the variable and the field; empty when it can. */
export function publishIssues(content: TemplateContent): PublishProblem[] {
  const declared = new Set(content.variables.map((variable) => variable.name));
  const problems: PublishProblem[] = [];
  const used: string[] = [];
  for (const [param, text] of [
    ['subject', content.subject ?? ''],
    ['body', content.body],
  ] as const) {
    for (const name of placeholders(text)) {
      if (!declared.has(name) && !used.includes(name))
        problems.push({ param, message: `\${${name}} is used but not declared in variables` });
      used.push(name);
    }
  }
  // Aliyun refuses an SMS whose TemplateParam names a variable its template does not have.
  if (content.channel === 'sms')
    for (const name of declared)
      if (!used.includes(name))
        problems.push({ param: 'variables', message: `variable ${name} is declared but the SMS body does not use it` });
  if (content.channel === 'email' && !content.subject)
    problems.push({ param: 'subject', message: 'an e-mail template needs a subject' });
  if (content.channel === 'sms' && content.subject)
    problems.push({ param: 'subject', message: 'an SMS template has no subject' });
  // SendSms names the template Aliyun approved, never our text: without its code nothing can be sent.
  if (content.channel === 'sms' && !content.aliyunTemplateCode)
    problems.push({
      param: 'aliyun_template_code',
      message: 'an SMS template needs the aliyun_template_code Aliyun approved',
    });
  return problems;
}

/** Why a template's content cannot be published, naming the variable; empty when it can. */
export function publishProblems(content: TemplateContent): string[] {
  return publishIssues(content).map((problem) => problem.message);
}

/** Declared variables a send did not give a value for. */
export function missingValues(content: TemplateContent, values: Record<string, string>): string[] {
  return content.variables.map((variable) => variable.name).filter((name) => typeof values[name] !== 'string');
}

/** What the admin API shows of a message: API.md's message object. */
export interface MessageRecord {
  id: string;
  merchantId: string | null;
  livemode: boolean;
  template: string;
  channel: MessageChannel;
  recipient: string | null;
  locale: MessageLocale;
  objectId: string;
  customerId: string | null;
  idempotencyKey: string;
  variablesEncrypted: string;
  templateVersion: number | null;
  /** The published content it was rendered from; every send of it uses this, whatever was published since. */
  templateContent: TemplateContent | null;
  subject: string | null;
  body: string | null;
  messageAccountId: string | null;
  providerMessageId: string | null;
  status: MessageStatus;
  failureCode: string | null;
  failureMessage: string | null;
  attemptCount: number;
  createdAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  updatedAt: Date;
}

/** The message workflow's whole input: everything else is in the message's row. */
export interface MessageWorkflowInput {
  messageId: string;
  /** Divides the workflow's timers (retries, receipt queries); 1 in production. */
  timeScale: number;
}

/**
 * A recipient as support staff may see it where it is not protected (search attributes, logs):
 * `+86138****8000`, `a***@example.com`.
 */
export function maskRecipient(recipient: string): string {
  const at = recipient.indexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  if (recipient.length <= 7) return '*'.repeat(recipient.length);
  return `${recipient.slice(0, recipient.length - 8)}****${recipient.slice(-4)}`;
}

/** What makes two requests the same message: a receipt is never sent twice. */
export function messageIdempotencyKey(request: {
  template: string;
  objectId: string;
  channel: MessageChannel;
  to: string;
}): string {
  return [request.template, request.objectId, request.channel, request.to].join(':');
}
