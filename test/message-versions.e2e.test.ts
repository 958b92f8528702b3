import { randomInt } from 'node:crypto';
import { SecretBox } from '../db/secret-box';
import { newId } from '../domain/ids';
import { openStackActivities, type StackActivities } from './activities';
import { queryDb } from './db';
import { adminFetch, sandboxControl, testStack } from './stack';

// A message keeps the version of its template it was rendered from: an admin who publishes a new
// text while a message is being retried does not change what that message says. The worker's
// real activities play the workflow's steps here, so the publish falls between two of them.

let stack: StackActivities;

beforeAll(async () => {
  stack = await openStackActivities('message-versions-test');
});

afterAll(() => stack?.close());

test('a message prepared from version 1 is sent as version 1, though version 2 was published before its send', async () => {
  const code = `delivery_note_${Date.now().toString(36)}${randomInt(1000)}`;
  const created = await adminFetch<{ id: string }>('POST', '/v1/admin/templates', {
    code,
    channel: 'email',
    locale: 'zh-CN',
    subject: '发货通知 ${order}',
    body: '订单${order}已发货(第一版)。',
    variables: [{ name: 'order', type: 'string', sample: 'A-1' }],
  });
  expect(created.status).toBe(201);
  const template = `/v1/admin/templates/${created.body.id}`;
  expect((await adminFetch('POST', `${template}/publish`, {})).status).toBe(200);

  // The message as requestMessage stores it, without starting its workflow: the test is the workflow.
  const to = `versions-${process.pid}-${randomInt(1_000_000)}@example.cn`;
  const messageId = newId('message');
  const box = new SecretBox(testStack().env.TONGBAO_ENCRYPTION_KEY);
  await queryDb(
    `insert into messages (id, merchant_id, livemode, template, channel, recipient, locale, object_id, idempotency_key, variables_encrypted)
     values ($1, null, false, $2, 'email', $3, 'zh-CN', $1, $1, $4)`,
    [messageId, code, to, box.seal({ order: 'B-42' })],
  );
  await stack.activities.prepareMessage({ messageId });

  const edited = await adminFetch('PATCH', template, { body: '订单${order}已发货(第二版)。' });
  expect(edited.status).toBe(200);
  expect((await adminFetch<{ version: number }>('POST', `${template}/publish`, {})).body.version).toBe(2);

  expect(await stack.activities.attemptMessageSend({ messageId, number: 1, checkFirst: false })).toEqual({
    kind: 'sent',
  });
  const inbox = await sandboxControl<{ data: { subject: string; body: string }[] }>(
    'GET',
    `/_control/messages?to=${encodeURIComponent(to)}`,
  );
  expect(inbox.body.data).toEqual([
    expect.objectContaining({ subject: '发货通知 B-42', body: '订单B-42已发货(第一版)。' }),
  ]);
  const [row] = await queryDb<{ template_version: number; body: string; status: string }>(
    `select template_version, body, status from messages where id = $1`,
    [messageId],
  );
  expect(row).toEqual({ template_version: 1, body: '订单B-42已发货(第一版)。', status: 'delivered' });
});
