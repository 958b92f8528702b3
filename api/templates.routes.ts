import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import {
  MESSAGE_CHANNELS,
  TEMPLATE_VARIABLE_TYPES,
  templateStatus,
  type MessageTemplateRecord,
  type TemplateVariable,
} from '../domain/message';
import { listObject } from './pagination';
import { contextOf } from './request-context';
import { sendJson } from './respond';
import { checkChannelFields, type TemplatePreview, type TemplatesService } from './templates.service';
import { toMessageObject } from './messages.routes';
import type { MessagesService } from './messages.service';
import { emptyBodySchema, listQuerySchema, parse, pathId, text } from './validation';

// API.md "Platform administration", Messaging: /v1/admin/templates. A template is a draft admins
// edit (PATCH) and a published version every send uses (publish copies the draft over it).

/** As the database's check (migration 20261203120000): what receipts and Kratos name a template by. */
const code = text().regex(/^[a-z][a-z0-9_]{1,63}$/, 'lower-case letters, digits and _, starting with a letter');
/** `${name}` in a body: what Aliyun's SMS templates accept as a parameter name. */
const variableName = text().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter');
const subject = text().trim().min(1).max(200);
/** Aliyun's SMS templates are at most 500 characters; an e-mail's text may be longer. */
const body = text('free_text').min(1).max(20_000);
const aliyunTemplateCode = text().regex(/^SMS_\d{6,12}$/, 'an approved Aliyun template code, like SMS_123456789');

/**
 * Declared once each, and stored in one shape (`secret` only when true), so that a draft edited back
 * to the published version shows `published` again (domain/message.ts templateStatus compares them).
 */
const variables = z
  .array(
    z.strictObject({
      name: variableName,
      type: z.enum(TEMPLATE_VARIABLE_TYPES),
      sample: text('free_text').max(500),
      secret: z.boolean().optional(),
    }),
  )
  .max(30)
  .superRefine((list, ctx) => {
    list.forEach((variable, index) => {
      if (list.findIndex((other) => other.name === variable.name) !== index)
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${variable.name} is declared twice` });
    });
  })
  .transform((list): TemplateVariable[] =>
    list.map(({ name, type, sample, secret }) => (secret ? { name, type, sample, secret } : { name, type, sample })),
  );

export const createTemplateSchema = z.strictObject({
  code,
  channel: z.enum(MESSAGE_CHANNELS),
  locale: z.enum(CHECKOUT_LOCALES),
  subject: subject.optional(),
  body,
  variables: variables.default([]),
  aliyun_template_code: aliyunTemplateCode.optional(),
});

export const updateTemplateSchema = z.strictObject({
  subject: subject.nullable().optional(),
  body: body.optional(),
  variables: variables.optional(),
  aliyun_template_code: aliyunTemplateCode.nullable().optional(),
});

export const listTemplatesSchema = z.strictObject({
  ...listQuerySchema,
  code: code.optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  locale: z.enum(CHECKOUT_LOCALES).optional(),
  status: z.enum(['draft', 'published']).optional(),
});

/** Values for `${name}`s: strings, as a send's variables are. */
const data = z.record(variableName, text('free_text').max(1000)).default({});

export const previewSchema = z.strictObject({
  version: z.enum(['draft', 'published']).default('draft'),
  data,
});

export const testSendSchema = z.strictObject({
  /** A phone number (SMS) or an e-mail address; the outbox checks it against the template's channel. */
  to: text().trim().min(1).max(254),
  data,
  /** A test send goes through the test-mode (sandbox) account unless an admin asks for live. */
  livemode: z.boolean().default(false),
});

const templateId = (req: Request): string => pathId(req, 'tpl', 'template');

export function toTemplateObject(template: MessageTemplateRecord) {
  return {
    id: template.id,
    object: 'template' as const,
    code: template.code,
    channel: template.channel,
    locale: template.locale,
    builtin: template.builtin,
    status: templateStatus(template),
    subject: template.subject,
    body: template.body,
    variables: template.variables,
    aliyun_template_code: template.aliyunTemplateCode,
    version: template.version,
    // What every send uses until the draft is published again.
    published:
      template.publishedBody === null
        ? null
        : {
            subject: template.publishedSubject,
            body: template.publishedBody,
            variables: template.publishedVariables,
            aliyun_template_code: template.publishedAliyunTemplateCode,
            published_at: template.publishedAt?.toISOString() ?? null,
          },
    created_at: template.createdAt.toISOString(),
    updated_at: template.updatedAt.toISOString(),
  };
}

/** A preview's answer: the rendering of one version, and what publishing it would refuse. */
export function toTemplatePreviewObject(id: string, preview: TemplatePreview) {
  return {
    object: 'template_preview' as const,
    template: id,
    version: preview.version,
    subject: preview.subject,
    text: preview.text,
    html: preview.html,
    missing: preview.missing,
    problems: preview.problems,
  };
}

/** Platform administration's templates; behind admin authentication like every /v1/admin route. */
export function templatesRoutes(templates: TemplatesService, messages: MessagesService): Router {
  const router = Router();

  router.get('/templates', async (req: Request, res: Response) => {
    const query = parse(listTemplatesSchema, req.query, 'query');
    const { data, hasMore } = await templates.list(query);
    await sendJson(req, res, 200, listObject('/v1/admin/templates', data.map(toTemplateObject), hasMore));
  });

  router.post('/templates', async (req: Request, res: Response) => {
    const params = parse(createTemplateSchema, req.body);
    const fields = { subject: params.subject ?? null, aliyun_template_code: params.aliyun_template_code ?? null };
    checkChannelFields(params.channel, fields.subject, fields.aliyun_template_code);
    await sendJson(req, res, 201, toTemplateObject(await templates.create({ ...params, ...fields })));
  });

  router.get('/templates/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toTemplateObject(await templates.find(templateId(req))));
  });

  router.patch('/templates/:id', async (req: Request, res: Response) => {
    const id = templateId(req);
    const params = parse(updateTemplateSchema, req.body);
    await sendJson(req, res, 200, toTemplateObject(await templates.update(id, params)));
  });

  router.post('/templates/:id/preview', async (req: Request, res: Response) => {
    const id = templateId(req);
    const params = parse(previewSchema, req.body ?? {});
    await sendJson(req, res, 200, toTemplatePreviewObject(id, await templates.preview(id, params)));
  });

  router.post('/templates/:id/publish', async (req: Request, res: Response) => {
    const id = templateId(req);
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, toTemplateObject(await templates.publish(id)));
  });

  router.post('/templates/:id/test_send', async (req: Request, res: Response) => {
    const id = templateId(req);
    const params = parse(testSendSchema, req.body);
    const context = contextOf(req);
    // A retry with the same Idempotency-Key reaches the same message (the outbox is idempotent per
    // object); without a key each request is a test send of its own.
    const objectId = context.idempotency ? await context.idempotency.objectId('request') : context.requestId;
    const sent = await templates.testSend(id, params, objectId);
    await sendJson(req, res, sent.created ? 201 : 200, toMessageObject(await messages.find(sent.id)));
  });

  return router;
}
