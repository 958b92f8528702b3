import { InvalidRequestError } from './errors';
import { assertPublicEndpoint, type ResolveHost } from './webhooks.service';

const resolvesTo =
  (...addresses: string[]): ResolveHost =>
  async () =>
    addresses.map((address) => ({ address }));

describe('registering a webhook endpoint with private addresses refused (production)', () => {
  test.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:4434/admin/identities',
    'http://[::1]:7233/',
    'http://[::ffff:10.0.0.1]/',
    'http://100.64.0.1/',
    'https://[fd00::1]/hooks',
    'http://0.0.0.0:8080/',
  ])('%s is refused, naming url', async (url) => {
    const error = await assertPublicEndpoint(url, resolvesTo()).catch((caught) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ param: 'url', code: 'url_not_allowed', status: 400 });
  });

  test('a name that resolves to a private address is refused, even among public ones', async () => {
    await expect(assertPublicEndpoint('https://hooks.example/', resolvesTo('192.168.1.10'))).rejects.toMatchObject({
      param: 'url',
    });
    await expect(
      assertPublicEndpoint('https://hooks.example/', resolvesTo('93.184.215.14', 'fe80::1')),
    ).rejects.toMatchObject({ param: 'url' });
  });

  test('a name that resolves to public addresses only, or not yet at all, is accepted (the worker checks again)', async () => {
    await expect(assertPublicEndpoint('https://hooks.example/', resolvesTo('93.184.215.14'))).resolves.toBeUndefined();
    const unresolved: ResolveHost = async () => {
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await expect(assertPublicEndpoint('https://not-yet.example/', unresolved)).resolves.toBeUndefined();
  });
});
