import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { newId } from '../domain/ids';
import {
  draftContent,
  missingValues,
  publishedContent,
  publishIssues,
  templateStatus,
  type MessageChannel,
  type MessageLocale,
  type MessageTemplateRecord,
  type PublishProblem,
  type TemplateContent,
  type TemplateVariable,
} from '../domain/message';
import { MessageTemplateSchema } from '../db/entities';
import {
  MessageRecipientInvalidError,
  MessageTemplateMissingError,
  MessageVariablesMissingError,
  requestMessage,
  type MessageRef,
} from '../messaging/outbox';
import { renderTemplate, type RenderedMessage } from '../messaging/template-render';
import { outboxDeps, type ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';

// API.md "Platform administration", Messaging: templates keyed by (code, channel, locale), each a
// draft admins edit and a published version every send uses (domain/message.ts).

export interface CreateTemplateParams {
  code: string;
  channel: MessageChannel;
  locale: MessageLocale;
  subject: string | null;
  body: string;
  variables: TemplateVariable[];
  aliyun_template_code: string | null;
}

/** Fields left out stay as they are; null clears `subject` or `aliyun_template_code`. */
export interface UpdateTemplateParams {
  subject?: string | null;
  body?: string;
  variables?: TemplateVariable[];
  aliyun_template_code?: string | null;
}

export interface ListTemplatesParams {
  limit: number;
  starting_after?: string;
  code?: string;
  channel?: MessageChannel;
  locale?: MessageLocale;
  status?: 'draft' | 'published';
}

export interface PreviewParams {
  version: 'draft' | 'published';
  data: Record<string, string>;
}

export interface TemplatePreview extends RenderedMessage {
  version: 'draft' | 'published';
  /** Declared variables `data` gave no value for: the preview shows their samples. */
  missing: string[];
  /** Why this content could not be published (empty when it can): what publish would answer. */
  problems: PublishProblem[];
}

export interface TestSendParams {
  to: string;
  data: Record<string, string>;
  livemode: boolean;
}

/**
 * SQL for "the draft is the published version", as domain/message.ts templateStatus decides it
 * (jsonb `=` compares values, as templateStatus's JSON of two jsonb reads does).
 */
const PUBLISHED_SQL = `(t.published_body is not null
  and t.body = t.published_body
  and t.subject is not distinct from t.published_subject
  and t.variables = t.published_variables
  and t.aliyun_template_code is not distinct from t.published_aliyun_template_code)`;

export function createTemplatesService(deps: ApiDeps) {
  const { db } = deps;

  async function find(id: string, param = 'id'): Promise<MessageTemplateRecord> {
    const template = await db.fork().findOne(MessageTemplateSchema, { id });
    if (!template) throw new NotFoundError('template', id, param);
    return template;
  }

  return {
    find,

    /** Templates newest first (the seeded built-ins share their creation time: then by id). */
    async list(params: ListTemplatesParams): Promise<Page<MessageTemplateRecord>> {
      const qb = db.fork().createQueryBuilder(MessageTemplateSchema, 't');
      if (params.code) qb.andWhere({ code: params.code });
      if (params.channel) qb.andWhere({ channel: params.channel });
      if (params.locale) qb.andWhere({ locale: params.locale });
      if (params.status === 'published') qb.andWhere(PUBLISHED_SQL);
      if (params.status === 'draft') qb.andWhere(`not ${PUBLISHED_SQL}`);
      return paginate(qb, params, (id) =>
        find(id).catch(() => {
          throw unknownCursor('template', id);
        }),
      );
    },

    /** A new template, as a draft: nothing sends it until it is published. */
    async create(params: CreateTemplateParams): Promise<MessageTemplateRecord> {
      const now = new Date();
      const template: MessageTemplateRecord = {
        id: newId('messageTemplate'),
        code: params.code,
        channel: params.channel,
        locale: params.locale,
        builtin: false,
        subject: params.subject,
        body: params.body,
        variables: params.variables,
        aliyunTemplateCode: params.aliyun_template_code,
        publishedSubject: null,
        publishedBody: null,
        publishedVariables: null,
        publishedAliyunTemplateCode: null,
        publishedAt: null,
        version: 0,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await db.fork().insert(MessageTemplateSchema, template);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        const [existing] = await db
          .fork()
          .find(MessageTemplateSchema, { code: params.code, channel: params.channel, locale: params.locale });
        throw new ConflictError(
          'template_exists',
          `A ${params.channel} template '${params.code}' in ${params.locale} exists already${existing ? ` (${existing.id})` : ''}: edit it with PATCH.`,
          'code',
        );
      }
      return template;
    },

    /** Edits the draft; the published version, which sends use, changes only on publish. */
    async update(id: string, params: UpdateTemplateParams): Promise<MessageTemplateRecord> {
      return db.fork().transactional(async (tx) => {
        const template = await tx.findOne(MessageTemplateSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!template) throw new NotFoundError('template', id);
        if (params.subject !== undefined) template.subject = params.subject;
        if (params.body !== undefined) template.body = params.body;
        if (params.variables !== undefined) template.variables = params.variables;
        if (params.aliyun_template_code !== undefined) template.aliyunTemplateCode = params.aliyun_template_code;
        checkChannelFields(template.channel, template.subject, template.aliyunTemplateCode);
        template.updatedAt = new Date();
        await tx.flush();
        return template;
      });
    },

    /** The draft (or the published version) rendered with `data`, samples filling what it leaves out. */
    async preview(id: string, params: PreviewParams): Promise<TemplatePreview> {
      const template = await find(id);
      const content = params.version === 'draft' ? draftContent(template) : publishedContent(template);
      if (!content)
        throw new InvalidRequestError(
          'template_not_published',
          `Template ${id} has never been published: preview its draft instead.`,
          'version',
        );
      return {
        version: params.version,
        ...renderTemplate(content, params.data, { maskSecrets: false }),
        missing: missingValues(content, params.data),
        problems: publishIssues(content),
      };
    },

    /**
     * Makes the draft the published version every later send uses, and counts a new version.
     * Refused (400 naming the field and the variable) when the draft could not be sent: a missing
     * variable is caught here, not at send time. Publishing what is already published changes nothing.
     */
    async publish(id: string): Promise<MessageTemplateRecord> {
      return db.fork().transactional(async (tx) => {
        const template = await tx.findOne(MessageTemplateSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!template) throw new NotFoundError('template', id);
        const problems = publishIssues(draftContent(template));
        if (problems.length)
          throw new InvalidRequestError(
            'template_invalid',
            `The template cannot be published: ${problems.map((problem) => problem.message).join('; ')}.`,
            problems[0].param,
          );
        if (templateStatus(template) === 'published') return template;
        const now = new Date();
        template.publishedSubject = template.subject;
        template.publishedBody = template.body;
        template.publishedVariables = template.variables;
        template.publishedAliyunTemplateCode = template.aliyunTemplateCode;
        template.publishedAt = now;
        template.version += 1;
        template.updatedAt = now;
        await tx.flush();
        return template;
      });
    },

    /**
     * Sends the published version to `to` through the message workflow, as the platform's own
     * message (no merchant). `objectId` makes each test send a message of its own: the admin
     * request's id, or the id bound to its Idempotency-Key, so a retried request sends once.
     */
    async testSend(id: string, params: TestSendParams, objectId: string): Promise<MessageRef> {
      const template = await find(id);
      const content = publishedContent(template);
      if (!content)
        throw new InvalidRequestError(
          'template_not_published',
          `Template ${id} has never been published: publish it before a test send.`,
          'id',
        );
      try {
        return await requestMessage(outboxDeps(deps), {
          merchantId: null,
          livemode: params.livemode,
          template: template.code,
          channel: template.channel,
          to: params.to,
          locale: template.locale,
          variables: { ...samplesOf(content), ...params.data },
          objectId,
        });
      } catch (error) {
        throw outboxError(error);
      }
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;

/** The fields only one channel has: an e-mail's subject, an SMS's Aliyun template code. */
export function checkChannelFields(
  channel: MessageChannel,
  subject: string | null,
  aliyunTemplateCode: string | null,
): void {
  if (channel === 'email' && subject === null)
    throw new InvalidRequestError('parameter_missing', 'An e-mail template needs a subject.', 'subject');
  if (channel === 'sms' && subject !== null)
    throw new InvalidRequestError('parameter_invalid', 'An SMS template has no subject.', 'subject');
  if (channel === 'email' && aliyunTemplateCode !== null)
    throw new InvalidRequestError(
      'parameter_invalid',
      'Only an SMS template has an aliyun_template_code: Direct Mail sends our text.',
      'aliyun_template_code',
    );
}

function samplesOf(content: TemplateContent): Record<string, string> {
  return Object.fromEntries(content.variables.map((variable) => [variable.name, variable.sample]));
}

/** The outbox's refusals as the API's 400s, naming the parameter; anything else stays what it was. */
export function outboxError(error: unknown): unknown {
  if (error instanceof MessageRecipientInvalidError)
    return new InvalidRequestError('recipient_invalid', error.message, 'to');
  if (error instanceof MessageVariablesMissingError)
    return new InvalidRequestError('template_variables_missing', error.message, `data[${error.names[0]}]`);
  if (error instanceof MessageTemplateMissingError)
    return new InvalidRequestError('template_not_published', error.message, 'id');
  return error;
}
