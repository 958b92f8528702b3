import { queryDb } from './db';
import { adminFetch, createTestMerchant } from './stack';

// PostgreSQL's text and jsonb refuse U+0000 and lone surrogates. The fuzzer found refused requests
// carrying them whose audit entries were never written, each an error in the API's log instead.
test('a refused request whose path or body holds U+0000 or a lone surrogate is audited, those characters as U+FFFD', async () => {
  const { merchantId } = await createTestMerchant();
  const routes = await adminFetch('POST', `/v1/admin/merchants/${merchantId}/channel_routes`, {
    'key\u0000': 'nul \u0000',
    lone: 'surrogate \uDC00',
    pair: '🍵',
  });
  expect(routes.status).toBe(400);
  const tested = await adminFetch('POST', '/v1/admin/provider_accounts/pa_%00/test');
  expect(tested.status).toBe(400);

  const requestIds = [routes, tested].map((result) => result.headers.get('request-id'));
  const entries = await queryDb<{ request_id: string; object_id: string; details: Record<string, unknown> }>(
    'select request_id, object_id, details from audit_log where request_id = any($1) order by id',
    [requestIds],
  );
  expect(entries).toEqual([
    {
      request_id: requestIds[0],
      object_id: merchantId,
      details: { 'key\uFFFD': 'nul \uFFFD', lone: 'surrogate \uFFFD', pair: '🍵' },
    },
    { request_id: requestIds[1], object_id: 'pa_\uFFFD', details: {} },
  ]);
});
