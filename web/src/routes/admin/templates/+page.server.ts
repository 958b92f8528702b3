import { MESSAGE_CHANNELS, type MessageChannel, type Template } from '$lib/admin/messaging';
import { loadErrorOf } from '$lib/server/console-actions';
import type { PageServerLoad } from './$types';

/** The API pages 100 at a time; a platform has a few dozen templates (24 built-ins and its own). */
const MAX_PAGES = 20;

export interface TemplateRow {
  code: string;
  channel: MessageChannel;
  builtin: boolean;
  /** Each language's template of this code and channel (absent: not written in that language). */
  locales: Partial<Record<Template['locale'], Template>>;
}

/** Every template, one row per code and channel with both languages side by side; filtered by channel. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const requested = url.searchParams.get('channel') ?? '';
  const channel = (MESSAGE_CHANNELS as readonly string[]).includes(requested)
    ? (requested as MessageChannel)
    : undefined;
  const templates: Template[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await locals.admin!.api.GET('/v1/admin/templates', {
      params: { query: { channel, limit: 100, starting_after: startingAfter } },
    });
    if (!answer.data) return { channel: channel ?? '', rows: [], loadError: loadErrorOf(answer) };
    templates.push(...answer.data.data);
    if (!answer.data.has_more || answer.data.data.length === 0) break;
    startingAfter = answer.data.data.at(-1)!.id;
  }
  const rows = new Map<string, TemplateRow>();
  for (const template of templates) {
    const key = `${template.code}/${template.channel}`;
    const row = rows.get(key) ?? { code: template.code, channel: template.channel, builtin: false, locales: {} };
    row.locales[template.locale] = template;
    row.builtin ||= template.builtin;
    rows.set(key, row);
  }
  return {
    channel: channel ?? '',
    // Built-ins first (what every merchant's customers receive), then the platform's own, by code.
    rows: [...rows.values()].sort(
      (a, b) =>
        Number(b.builtin) - Number(a.builtin) || a.code.localeCompare(b.code) || a.channel.localeCompare(b.channel),
    ),
    loadError: null,
  };
};
