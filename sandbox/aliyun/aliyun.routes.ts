import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { parseControlBody } from '../control-body';
import { ControlBadRequestError } from '../errors';
import { escapeHtml } from '../html';
import { normalizePhone } from './aliyun.api';
import { messageStatus, type AliyunMessages, type StoredMessage } from './aliyun.messages';
import { templateParams } from './aliyun.model';
import type { AliyunTemplates } from './aliyun.templates';

const templateInputSchema = z.strictObject({
  template_code: z.string().regex(/^SMS_\d{6,12}$/, 'must look like SMS_123456789'),
  content: z.string().min(1).max(500),
  name: z.string().min(1).max(64).optional(),
  locale: z.string().min(2).max(16).optional(),
  /** The AccessKey id of the account it is approved for; all accounts when absent. */
  account: z.string().min(1).optional(),
});

/** A message as `GET /_control/messages` shows it (API.md, "Sandbox"). */
export function describeMessage(message: StoredMessage): Record<string, unknown> {
  return {
    id: message.id,
    channel: message.channel,
    to: message.to,
    ...(message.channel === 'sms'
      ? { sign_name: message.signName, template_code: message.templateCode, template_param: message.templateParam }
      : { subject: message.subject, from_alias: message.signName, html_body: message.htmlBody }),
    body: message.body,
    sent_at: message.sentAt.toISOString(),
    status: messageStatus(message),
    error_code: messageStatus(message) === 'failed' ? message.errorCode : null,
    biz_id: message.bizId,
    out_id: message.outId,
    account: message.accountId,
  };
}

/** Reads `to`, `account`, `channel` and `limit` from a query; `to` may be a phone in any Aliyun form or an email. */
function messageFilter(req: Request): { to?: string; account?: string; channel?: string; limit: number } {
  const text = (name: string): string | undefined => {
    const value = req.query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new ControlBadRequestError(`${name} must be given once`, name);
    return value;
  };
  const channel = text('channel');
  if (channel !== undefined && channel !== 'sms' && channel !== 'email')
    throw new ControlBadRequestError('channel must be sms or email', 'channel');
  const limitText = text('limit');
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ControlBadRequestError('limit must be an integer from 1 to 1000', 'limit');
  const to = text('to');
  // An e-mail address as given: normalizePhone drops dashes, which addresses may hold.
  const recipient = to === undefined ? undefined : to.includes('@') ? to.trim() : normalizePhone(to);
  return { to: recipient, account: text('account'), channel, limit };
}

/** `/_control/messages` and `/_control/aliyun/templates`. */
export function aliyunControlRoutes(deps: { messages: AliyunMessages; templates: AliyunTemplates }): Router {
  const router = express.Router();
  router.get('/messages', async (req, res) => {
    const messages = await deps.messages.list(messageFilter(req));
    res.json({ data: messages.map(describeMessage) });
  });
  router.get('/aliyun/templates', async (req, res) => {
    const account = typeof req.query.account === 'string' ? req.query.account : null;
    res.json({ data: await deps.templates.list(account) });
  });
  router.post('/aliyun/templates', express.json({ limit: '100kb' }), async (req, res) => {
    const input = parseControlBody(templateInputSchema, req.body ?? {});
    const template = await deps.templates.put({
      template_code: input.template_code,
      name: input.name ?? input.template_code,
      locale: input.locale ?? 'zh-CN',
      content: input.content,
      params: templateParams(input.content),
      account: input.account ?? null,
    });
    res.status(201).json(template);
  });
  return router;
}

/** `/aliyun/inbox`: what was sent, for people, filtered by recipient. */
export function aliyunInboxRoutes(deps: { messages: AliyunMessages }): Router {
  const router = express.Router();
  router.get('/inbox', async (req, res) => {
    const filter = messageFilter(req);
    const messages = await deps.messages.list(filter);
    const rows = messages
      .map((m) => {
        const status = messageStatus(m);
        const head =
          m.channel === 'sms'
            ? `<span class="tag sms">SMS</span> ${escapeHtml(m.templateCode ?? '')}`
            : `<span class="tag email">Email</span> <strong>${escapeHtml(m.subject ?? '')}</strong>`;
        const body =
          m.channel === 'email' && m.htmlBody
            ? `<iframe sandbox="" srcdoc="${escapeHtml(m.htmlBody)}"></iframe>`
            : `<pre>${escapeHtml(m.body)}</pre>`;
        return `<article class="msg" data-channel="${m.channel}" data-status="${status}">
<header>${head}<span class="to">→ <a href="?to=${encodeURIComponent(m.to)}">${escapeHtml(m.to)}</a></span>
<time datetime="${m.sentAt.toISOString()}">${escapeHtml(m.sentAt.toISOString())}</time>
<span class="status ${status}">${status}${status === 'failed' && m.errorCode ? ` (${escapeHtml(m.errorCode)})` : ''}</span></header>
${body}</article>`;
      })
      .join('\n');
    res.type('html').send(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aliyun inbox · Tongbao sandbox</title>
<style>
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: #f5f6f7; margin: 0; color: #222; }
  body > header { background: #ff6a00; color: #fff; padding: 12px 20px; font-size: 18px; }
  body > header small { opacity: .85; margin-left: 8px; font-size: 12px; }
  main { max-width: 760px; margin: 20px auto; padding: 0 12px; }
  form { display: flex; gap: 8px; margin-bottom: 16px; }
  input { flex: 1; padding: 8px; font-size: 14px; }
  .msg { background: #fff; border-radius: 6px; padding: 12px 16px; margin-bottom: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  .msg header { display: flex; flex-wrap: wrap; gap: 10px; font-size: 13px; color: #555; align-items: baseline; }
  .tag { color: #fff; border-radius: 3px; padding: 1px 6px; font-size: 12px; }
  .tag.sms { background: #1677ff; } .tag.email { background: #52c41a; }
  .status.failed { color: #d4380d; } .status.delivered { color: #389e0d; } .status.sending { color: #888; }
  pre { white-space: pre-wrap; font-family: inherit; font-size: 15px; margin: 8px 0 0; }
  iframe { width: 100%; min-height: 160px; border: 1px solid #eee; margin-top: 8px; }
</style>
</head>
<body>
<header>阿里云 · Aliyun SMS &amp; Direct Mail<small>Tongbao sandbox — nothing leaves this machine</small></header>
<main>
<form method="get"><input name="to" placeholder="phone or email" value="${escapeHtml(filter.to ?? '')}"><button>Filter</button></form>
${rows || '<p>No messages yet.</p>'}
</main>
</body>
</html>`);
  });
  return router;
}
