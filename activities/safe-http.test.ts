import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressNotAllowedError, deliveryErrorClass, safePost, type Resolve } from './safe-http';

/** A receiver on loopback that records the Host header of each request. */
async function startReceiver(): Promise<{ port: number; hosts: string[]; close: () => Promise<void> }> {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(String(req.headers.host));
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, hosts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const post = (url: string, allowPrivate: boolean, resolve?: Resolve) =>
  safePost(url, {
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeoutMs: 2_000,
    allowPrivate,
    resolve,
  });

// Names end in .localhost: the tests' loopback guard (runtime/loopback-only.ts) lets only loopback
// names reach a socket, and the resolver given to safePost decides what they resolve to.
describe('posting to a merchant-chosen URL', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => (receiver = await startReceiver()));
  afterAll(() => receiver.close());

  test('with private addresses refused, a loopback literal is refused before any connection', async () => {
    const error = await post(`http://127.0.0.1:${receiver.port}/hook`, false).catch((caught) => caught);
    expect(error).toBeInstanceOf(AddressNotAllowedError);
    expect(deliveryErrorClass(error)).toBe('address_not_allowed');
    expect(receiver.hosts).toEqual([]);
  });

  test.each(['[::ffff:127.0.0.1]', '[::1]', '169.254.169.254', '10.0.0.1'])(
    'with private addresses refused, %s is refused without connecting',
    async (host) => {
      const error = await post(`http://${host}:${receiver.port}/`, false).catch((caught) => caught);
      expect(deliveryErrorClass(error)).toBe('address_not_allowed');
    },
  );

  test('a name is checked at connect time: one that resolves to a private address is refused', async () => {
    const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const error = await post(`http://hooks.localhost:${receiver.port}/`, false, resolve).catch((caught) => caught);
    expect(deliveryErrorClass(error)).toBe('address_not_allowed');
    expect(receiver.hosts).toEqual([]);
  });

  test('a name with any private address among its answers is refused', async () => {
    const resolve: Resolve = async () => [
      { address: '8.8.8.8', family: 4 },
      { address: '::ffff:169.254.169.254', family: 6 },
    ];
    const error = await post(`http://hooks.localhost:${receiver.port}/`, false, resolve).catch((caught) => caught);
    expect(deliveryErrorClass(error)).toBe('address_not_allowed');
  });

  test('the address checked is the address connected to: the socket uses the pinned answer, not a second lookup', async () => {
    let lookups = 0;
    const resolve: Resolve = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    // With the operator's setting on (dev, tests), the checked loopback answer is used as is.
    expect(await post(`http://rebinding.localhost:${receiver.port}/hook`, true, resolve)).toBe(204);
    expect(receiver.hosts).toEqual([`rebinding.localhost:${receiver.port}`]);
    expect(lookups).toBe(1);
  });

  test('errors become coarse classes, never their text', async () => {
    const closed = await startReceiver();
    await closed.close();
    const refused = await post(`http://127.0.0.1:${closed.port}/`, true).catch((caught) => caught);
    expect(deliveryErrorClass(refused)).toBe('connection_refused');
    const unresolvable: Resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.localhost'), { code: 'ENOTFOUND' });
    };
    const dns = await post('http://nowhere.localhost/', false, unresolvable).catch((caught) => caught);
    expect(deliveryErrorClass(dns)).toBe('dns_error');
    expect(deliveryErrorClass(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(
      'tls_error',
    );
    expect(deliveryErrorClass(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(
      'tls_error',
    );
    expect(deliveryErrorClass(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('connection_error');
  });

  test('an endpoint that does not answer in time is a timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const error = await safePost(`http://127.0.0.1:${port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 200,
        allowPrivate: true,
      }).catch((caught) => caught);
      expect(deliveryErrorClass(error)).toBe('timeout');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
