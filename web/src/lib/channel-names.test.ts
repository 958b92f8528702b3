/// <reference types="jest" />
// Run by the root's jest: the consoles' channel names (labels.ts channelFullName), read from the
// message files themselves, because the shopper's names are shared by design ("WeChat Pay").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS } from './checkout';

const messages = (locale: string): Record<string, string> =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'messages', `${locale}.json`), 'utf8'));

test.each(['zh-CN', 'en-US'])('%s: every channel has a full name of its own', (locale) => {
  const words = messages(locale);
  const names = CHANNELS.map((channel) => words[`channel_full_${channel}`]);
  expect(names.every((name) => typeof name === 'string' && name.trim().length > 0)).toBe(true);
  expect(new Set(names).size).toBe(CHANNELS.length);
  expect(CHANNELS).toHaveLength(8);
});
