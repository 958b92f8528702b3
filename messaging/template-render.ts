import type { TemplateContent } from '../domain/message';

export interface RenderedMessage {
  /** An e-mail's subject; null for SMS. */
  subject: string | null;
  /** The SMS text, or the e-mail's plain-text part. */
  text: string;
  /** The e-mail's HTML part (the text, escaped, in a small layout); null for SMS. */
  html: string | null;
}

/** Direct Mail refuses a longer subject (SingleSendMail: at most 100 characters). */
export const EMAIL_SUBJECT_MAX = 100;

/** What stands in for a secret value (a code) in what is stored and shown. */
export const MASK = '••••••';

/**
 * Renders a template's `${name}`s with the values given (a missing one with its sample, as a preview
 * does; a send checks first that none is missing). `maskSecrets` puts MASK in place of secret
 * variables: what is stored in `messages.body` and shown in the message log.
 */
export function renderTemplate(
  content: TemplateContent,
  values: Record<string, string>,
  options: { maskSecrets: boolean },
): RenderedMessage {
  const byName = new Map(content.variables.map((variable) => [variable.name, variable]));
  const fill = (text: string) =>
    text.replace(/\$\{([^}]*)\}/g, (placeholder, name: string) => {
      const variable = byName.get(name);
      if (!variable) return placeholder;
      if (variable.secret && options.maskSecrets) return MASK;
      return values[name] ?? variable.sample;
    });
  const text = fill(content.body);
  if (content.channel === 'sms') return { subject: null, text, html: null };
  const subject = shortened(fill(content.subject ?? ''), EMAIL_SUBJECT_MAX);
  return { subject, text, html: emailHtml(subject, text) };
}

/** The values a template takes, and nothing else: Aliyun refuses an SMS TemplateParam with extra names. */
export function templateParam(content: TemplateContent, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(content.variables.map((variable) => [variable.name, values[variable.name] ?? '']));
}

/** At most `max` characters (code points, as Aliyun counts them): a long merchant name ends in an ellipsis. */
function shortened(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Plain and readable in every mail client: no images, no external CSS, links made clickable. */
function emailHtml(subject: string, text: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((paragraph) =>
      escapeHtml(paragraph)
        .replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`)
        .replace(/\n/g, '<br>'),
    )
    .map((paragraph) => `<p style="margin:0 0 16px">${paragraph}</p>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2328">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;line-height:1.6">
${paragraphs}
</div>
</body></html>`;
}
