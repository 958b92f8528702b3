import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from './loopback-only';

describe('tests cannot reach beyond this machine', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.3.4.5', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['192.168.1.1', false],
    ['openapi.alipay.com', false],
    ['api.mch.weixin.qq.com', false],
    ['::ffff:8.8.8.8', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  test('a fetch to a real gateway host is refused before any lookup or packet', async () => {
    // jest loads the guard as a setup file; `.invalid` never resolves anyway, so even without it nothing would leave.
    const error = (await fetch('https://openapi.alipay.invalid/gateway.do').then(
      () => null,
      (e: unknown) => e,
    )) as { message: string; cause?: { name?: string; message?: string } } | null;
    expect(error?.message).toBe('fetch failed');
    // undici re-wraps the socket's error, keeping its text.
    expect(String(error?.cause)).toMatch(/outbound network refused in tests: openapi\.alipay\.invalid/);
  });

  test('loopback still works', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
