/**
 * Ways to spoil a valid request: its body's fields and values, its encoding and Content-Type, its
 * headers, its query string, its path and its method. Each takes a Draft and changes it in place,
 * saying what it did (the report shows it next to the request).
 */
import type { Body, Draft } from './seeds';
import type { Fixtures } from './fixtures';
import type { Random } from '../random';
import { EVIL_STRINGS, evilValue } from './hostile-values';

type Mutation = (draft: Draft, random: Random, fixtures: Fixtures) => string | null;

/** The objects inside a JSON value (the body itself first), to pick a field from. */
function objectsIn(value: unknown, found: Record<string, unknown>[] = [], depth = 0): Record<string, unknown>[] {
  if (depth > 6 || value === null || typeof value !== 'object') return found;
  if (!Array.isArray(value)) found.push(value as Record<string, unknown>);
  for (const child of Object.values(value as object)) objectsIn(child, found, depth + 1);
  return found;
}

function jsonObject(draft: Draft, random: Random): Record<string, unknown> | null {
  if (draft.body?.kind !== 'json') return null;
  const objects = objectsIn(draft.body.value);
  return objects.length > 0 ? random.pick(objects) : null;
}

/** The body as text, for the mutations that break its syntax. */
function bodyText(body: Body): string {
  if (body.kind === 'json') return JSON.stringify(body.value);
  if (body.kind === 'form') return new URLSearchParams(body.fields).toString();
  return body.bytes.toString('utf8');
}

function contentTypeOf(body: Body): string | null {
  if (body.kind === 'json') return 'application/json';
  if (body.kind === 'form') return 'application/x-www-form-urlencoded';
  return body.contentType;
}

/** qs-style form fields for a JSON value (`line_items[0][name]=Tea`). */
function formFields(value: unknown, prefix = ''): [string, string][] {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', String(value)]];
  return Object.entries(value as object).flatMap(([key, child]) =>
    formFields(child, prefix ? `${prefix}[${key}]` : key),
  );
}

const setHeader = (draft: Draft, name: string, value: string | null) => {
  draft.headers = draft.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase());
  if (value !== null) draft.headers.push([name, value]);
};

const bodyMutations: Mutation[] = [
  function dropField(draft, random) {
    const object = jsonObject(draft, random);
    const keys = object ? Object.keys(object) : [];
    if (!object || keys.length === 0) return null;
    const key = random.pick(keys);
    delete object[key];
    return `drop field ${key}`;
  },
  function addField(draft, random) {
    const object = jsonObject(draft, random);
    if (!object) return null;
    const key = random.pick(['extra', 'id', 'object', 'livemode', 'status', 'amount_refunded', 'merchant', '', '中']);
    object[key] = evilValue(random);
    return `add field ${JSON.stringify(key)}`;
  },
  function renameField(draft, random) {
    const object = jsonObject(draft, random);
    const keys = object ? Object.keys(object) : [];
    if (!object || keys.length === 0) return null;
    const key = random.pick(keys);
    const renamed = random.pick([
      key.toUpperCase(),
      `${key}_`,
      key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()),
      ` ${key}`,
    ]);
    object[renamed] = object[key];
    delete object[key];
    return `rename ${key} to ${JSON.stringify(renamed)}`;
  },
  function replaceValue(draft, random) {
    const object = jsonObject(draft, random);
    const keys = object ? Object.keys(object) : [];
    if (!object || keys.length === 0) return null;
    const key = random.pick(keys);
    object[key] = evilValue(random);
    const shown = JSON.stringify(object[key]) ?? 'undefined';
    return `set ${key} to ${shown.length > 60 ? `${shown.slice(0, 60)}… (${shown.length} chars)` : shown}`;
  },
  function wrapInArray(draft, random) {
    const object = jsonObject(draft, random);
    const keys = object ? Object.keys(object) : [];
    if (!object || keys.length === 0) return null;
    const key = random.pick(keys);
    object[key] = Array.isArray(object[key]) ? (object[key] as unknown[])[0] : [object[key], object[key]];
    return `array/scalar swap of ${key}`;
  },
  function wholeBody(draft, random) {
    if (!draft.body) return null;
    draft.body = {
      kind: 'json',
      value: random.pick([null, [], 0, 'text', [draft.body.kind === 'json' ? draft.body.value : {}]]),
    };
    return `body ${JSON.stringify(draft.body.value).slice(0, 40)}`;
  },
  function deepNesting(draft, random) {
    // Written as text: JSON.stringify itself overflows the stack on values this deep.
    const object = jsonObject(draft, random);
    const keys = object ? Object.keys(object) : [];
    if (draft.body?.kind !== 'json' || !object || keys.length === 0) return null;
    const key = random.pick(keys);
    const levels = random.pick([1000, 10_000, 100_000]);
    const arrays = random.chance(0.5);
    object[key] = '\u0000DEEP\u0000';
    const nested = arrays
      ? `${'['.repeat(levels)}1${']'.repeat(levels)}`
      : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    draft.body = {
      kind: 'raw',
      bytes: Buffer.from(JSON.stringify(draft.body.value).replace('"\\u0000DEEP\\u0000"', nested)),
      contentType: 'application/json',
    };
    return `${key} nested ${levels} ${arrays ? 'arrays' : 'objects'} deep`;
  },
  function duplicateKey(draft, random) {
    if (draft.body?.kind !== 'json' || typeof draft.body.value !== 'object' || draft.body.value === null) return null;
    const keys = Object.keys(draft.body.value);
    if (keys.length === 0) return null;
    const key = random.pick(keys);
    const text = JSON.stringify(draft.body.value);
    draft.body = {
      kind: 'raw',
      bytes: Buffer.from(`{${JSON.stringify(key)}:${JSON.stringify(evilValue(random))},${text.slice(1)}`),
      contentType: 'application/json',
    };
    return `duplicate key ${key}`;
  },
  function malformedSyntax(draft, random) {
    const body = draft.body ?? { kind: 'json', value: {} };
    const text = bodyText(body);
    const broken = random.pick([
      text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      `${text},`,
      text.replace(/"/g, "'"),
      `\uFEFF${text}`,
      `${text}${text}`,
      '{"a":1,}',
      '',
      'null',
      '{"amount": 01}',
      '{"amount": 1e400}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      `[${'['.repeat(10_000)}`,
    ]);
    draft.body = { kind: 'raw', bytes: Buffer.from(broken), contentType: contentTypeOf(body) };
    return `malformed body ${JSON.stringify(broken.slice(0, 40))}`;
  },
  function invalidBytes(draft) {
    const body = draft.body ?? { kind: 'json', value: {} };
    const text = Buffer.from(bodyText(body));
    draft.body = {
      kind: 'raw',
      bytes: Buffer.concat([
        text.subarray(0, Math.max(0, text.length - 2)),
        Buffer.from([0xff, 0xfe, 0xc3]),
        text.subarray(-2),
      ]),
      contentType: contentTypeOf(body),
    };
    return 'invalid UTF-8 bytes in the body';
  },
  function hugeBody(draft, random) {
    const size = random.pick([200_000, 300_000]);
    draft.body = {
      kind: 'raw',
      bytes: Buffer.from(JSON.stringify({ description: 'x'.repeat(size) })),
      contentType: draft.body ? contentTypeOf(draft.body) : 'application/json',
    };
    return `body of ${size} bytes`;
  },
  function asForm(draft) {
    if (draft.body?.kind !== 'json') return null;
    draft.body = { kind: 'form', fields: formFields(draft.body.value) };
    return 'JSON body sent as a form';
  },
  function asJson(draft) {
    if (draft.body?.kind !== 'form') return null;
    draft.body = { kind: 'json', value: Object.fromEntries(draft.body.fields) };
    return 'form body sent as JSON';
  },
  function formField(draft, random) {
    if (draft.body?.kind !== 'form' || draft.body.fields.length === 0) return null;
    const fields = draft.body.fields;
    const index = random.int(0, fields.length - 1);
    const [name] = fields[index];
    switch (random.int(0, 3)) {
      case 0:
        fields.splice(index, 1);
        return `drop form field ${name}`;
      case 1:
        fields.push([name, String(random.pick(EVIL_STRINGS))]);
        return `repeat form field ${name}`;
      case 2:
        fields[index] = [name, String(evilValue(random))];
        return `change form field ${name}`;
      default:
        fields.push([
          random.pick(['sign', 'app_id', 'total_amount', 'txnAmt', 'merId', 'x']),
          random.pick(EVIL_STRINGS),
        ]);
        return 'add a form field';
    }
  },
  function chunked(draft, random) {
    // Always ended, well or badly: a body that stops short would only keep both sides waiting.
    const end = random.chance(0.7)
      ? '0\r\n\r\n'
      : random.pick(['zz\r\n\r\n', '-1\r\n\r\n', '0x5\r\nhello\r\n0\r\n\r\n']);
    draft.chunked = { size: random.pick([1, 7, 64, 4096]), end, withLength: random.chance(0.2) };
    return `chunked body, ${draft.chunked.size}-byte chunks, ending ${JSON.stringify(end)}${draft.chunked.withLength ? ', with a Content-Length too' : ''}`;
  },
  function noBody(draft) {
    if (!draft.body) return null;
    draft.body = null;
    return 'no body';
  },
  function bodyOnGet(draft, random) {
    if (draft.body) return null;
    draft.body = { kind: 'json', value: { limit: evilValue(random) } };
    return 'a body where none is expected';
  },
];

const headerMutations: Mutation[] = [
  function contentType(draft, random) {
    const value = random.pick([
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json; charset=utf-7',
      'application/xml',
      'application/json, application/json',
      '*/*',
      ';;;',
    ]);
    if (draft.body?.kind === 'json' || draft.body?.kind === 'form') {
      draft.body = { kind: 'raw', bytes: Buffer.from(bodyText(draft.body)), contentType: value };
    } else if (draft.body?.kind === 'raw') draft.body.contentType = value;
    else setHeader(draft, 'Content-Type', value);
    return `Content-Type ${JSON.stringify(value)}`;
  },
  function authorization(draft, random, f) {
    const value = random.pick([
      null,
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from(`${f.key}:`).toString('base64')}`,
      `bearer ${f.key}`,
      `Bearer  ${f.key}  `,
      `Bearer ${f.otherKey}`,
      `Bearer ${f.adminToken}`,
      `Bearer ${f.key}`,
      `Bearer ${f.key}x`,
      `Bearer ${f.key.slice(0, -1)}`,
      'Bearer sk_test_',
      'Bearer sk_live_0000',
      `Bearer sk_test_${'a'.repeat(5000)}`,
      'Bearer sk_test_中文',
      `Bearer ${f.key}, Bearer ${f.otherKey}`,
      'Token abc',
    ]);
    setHeader(draft, 'Authorization', value);
    return `Authorization ${value === null ? 'absent' : JSON.stringify(value.slice(0, 40))}`;
  },
  function duplicateAuthorization(draft, _random, f) {
    draft.headers.push(['Authorization', `Bearer ${f.otherKey}`]);
    return 'a second Authorization header';
  },
  function idempotencyKey(draft, random) {
    const value = random.pick([
      '',
      ' ',
      'fz_fixed_key_1',
      'fz_fixed_key_2',
      'k'.repeat(300),
      'k'.repeat(8000),
      'clé-é',
      '中文键',
      'a\tb',
      '\u007f',
      '%00',
    ]);
    setHeader(draft, 'Idempotency-Key', value);
    if (random.chance(0.2)) draft.headers.push(['Idempotency-Key', 'second']);
    return `Idempotency-Key ${JSON.stringify(value.slice(0, 30))}${value.length > 30 ? `… (${value.length})` : ''}`;
  },
  function oddHeaders(draft, random) {
    const [name, value] = random.pick<[string, string]>([
      ['Accept-Language', random.pick(['', '*', 'zh-CN;q=2', 'xx-YY, ;q=', '中文', 'en-US'.repeat(500)])],
      ['Accept', random.pick(['text/html', 'application/xml', '*/*;q=0', ''])],
      ['Accept-Encoding', random.pick(['gzip', 'br, zstd', 'identity;q=0'])],
      ['Content-Encoding', random.pick(['gzip', 'deflate', 'br', 'unknown'])],
      ['X-Forwarded-For', '1.2.3.4, 5.6.7.8'],
      ['Expect', '100-continue'],
      ['Origin', 'https://evil.example'],
      ['Wechatpay-Timestamp', random.pick(['0', '-1', '99999999999999', 'now', ''])],
      ['Wechatpay-Signature', random.pick(['', '!!!', 'A'.repeat(5000)])],
      ['Wechatpay-Serial', random.pick(['', '0', '中'])],
      // Past Node's 16 KB of headers: 431, from the server's clientError listener.
      ['X-Very-Long', 'v'.repeat(random.pick([100, 12_000, 20_000]))],
    ]);
    draft.headers.push([name, value]);
    return `header ${name}: ${JSON.stringify(value.slice(0, 30))}`;
  },
];

const queryMutations: Mutation[] = [
  function duplicateParam(draft, random) {
    const name = draft.query.length > 0 ? random.pick(draft.query)[0] : 'limit';
    draft.query.push([name, random.pick(['1', '2', '', 'x'])]);
    return `duplicate query parameter ${name}`;
  },
  function queryValue(draft, random, f) {
    const names = [...draft.query.map(([name]) => name), 'limit', 'starting_after', 'status', 'created[gte]'];
    const name = random.pick(names);
    const value = random.pick([
      ...EVIL_STRINGS,
      '0',
      '101',
      '-5',
      '1.5',
      '1e3',
      '99999999999999999999',
      'pay_' + 'z'.repeat(100),
      'pay_doesnotexist',
      're_x',
      // Cursors of another merchant and of another kind.
      ...f.foreignIds,
      f.refundId,
      f.eventId,
      'succeeded,failed',
    ]);
    draft.query = draft.query.filter(([key]) => key !== name);
    draft.query.push([name, value]);
    return `query ${name}=${JSON.stringify(value.slice(0, 30))}`;
  },
  function queryShape(draft, random) {
    const name = draft.query.length > 0 ? random.pick(draft.query)[0] : 'limit';
    const odd = random.pick([`${name}[]`, `${name}[a]`, `${name}[0][1]`, `${name}.x`, '__proto__[x]', 'unknown']);
    draft.query.push([odd, '1']);
    return `query parameter ${odd}`;
  },
  function dropQuery(draft) {
    if (draft.query.length === 0) return null;
    draft.query = [];
    return 'no query string';
  },
];

const pathMutations: Mutation[] = [
  function otherId(draft, random, f) {
    const index = draft.segments.findIndex((segment) => /^(pay|re|cs|cus|we|evt|mer|key|pa|txr)_/.test(segment));
    if (index < 0) return null;
    const prefix = draft.segments[index].split('_')[0];
    const value = random.pick([
      ...f.foreignIds,
      f.openPaymentId,
      f.paidPaymentId,
      f.refundId,
      f.eventId,
      f.merchantId,
      f.customerId,
      `${prefix}_${random.string(24)}`,
      `${prefix}_`,
      `${prefix}_${'a'.repeat(random.pick([65, 5000]))}`,
      `${prefix}_%2F..%2F..`,
      `${prefix}_%00`,
      `${prefix}_%E4%B8%AD`,
      `${prefix}_%zz`,
      `${prefix}_%E0%A4%A`,
      `${prefix}_%F0%9F%98%80`,
      encodeURIComponent(`${prefix}_中文`),
      '..',
      '%2e%2e',
      `${prefix}_abc;x=1`,
      draft.segments[index].toUpperCase(),
    ]);
    draft.segments[index] = value;
    return `path id ${JSON.stringify(value.slice(0, 40))}`;
  },
  function pathShape(draft, random) {
    switch (random.int(0, 4)) {
      case 0:
        draft.segments.push('');
        return 'trailing slash';
      case 1:
        draft.segments.splice(random.int(0, draft.segments.length), 0, '');
        return 'empty segment';
      case 2:
        draft.segments.push(random.pick(['extra', '..', '%2F', 'index.html']));
        return 'extra segment';
      case 3:
        draft.segments = draft.segments.map((segment) => segment.toUpperCase());
        return 'upper-case path';
      default:
        draft.segments.pop();
        return 'last segment dropped';
    }
  },
  function burst(draft, random) {
    draft.copies = random.pick([2, 5, 10]);
    return `sent ${draft.copies} times at once`;
  },
  function method(draft, random) {
    const value = random.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get', 'FOO', 'PROPFIND']);
    if (value === draft.method) return null;
    draft.method = value;
    return `method ${value}`;
  },
];

const ALL: Mutation[] = [...bodyMutations, ...headerMutations, ...queryMutations, ...pathMutations];

/** Applies 1 to 3 mutations (after 5 % of seeds go out as they are, to show the seeds are valid). */
export function mutate(draft: Draft, random: Random, fixtures: Fixtures): void {
  if (random.chance(0.05)) return;
  const wanted = random.pick([1, 1, 1, 2, 2, 3]);
  for (let tries = 0; draft.mutations.length < wanted && tries < 20; tries++) {
    const applied = random.pick(ALL)(draft, random, fixtures);
    if (applied) draft.mutations.push(applied);
  }
}
