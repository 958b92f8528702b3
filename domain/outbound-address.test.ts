import { isIpLiteral, refusedAddressClass } from './outbound-address';

describe('which addresses a webhook may be sent to', () => {
  test.each([
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['169.254.169.254', 'link_local'],
    ['169.254.0.0', 'link_local'],
    ['100.64.0.0', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
  ])('IPv4 %s is refused as %s', (address, expected) => {
    expect(refusedAddressClass(address)).toBe(expected);
  });

  test.each([
    '1.1.1.1',
    '8.8.8.8',
    // The edges just outside each refused range.
    '1.0.0.0',
    '9.255.255.255',
    '11.0.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '223.255.255.255',
  ])('IPv4 %s is public', (address) => {
    expect(refusedAddressClass(address)).toBeNull();
  });

  test.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'private'],
  ])('IPv6 %s is refused as %s', (address, expected) => {
    expect(refusedAddressClass(address)).toBe(expected);
  });

  test.each(['2001:4860:4860::8888', '2606:4700:4700::1111', 'fbff:ffff::1', 'fe7f::1'])(
    'IPv6 %s is public',
    (address) => {
      expect(refusedAddressClass(address)).toBeNull();
    },
  );

  test.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:169.254.169.254]', 'link_local'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:192.168.1.1', 'private'],
    ['::ffff:100.64.0.1', 'cgnat'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
  ])('the IPv4 address inside %s decides: %s', (address, expected) => {
    expect(refusedAddressClass(address)).toBe(expected);
  });

  test.each(['::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808'])('%s carries a public IPv4 address', (address) => {
    expect(refusedAddressClass(address)).toBeNull();
  });

  test.each(['', 'localhost', '256.0.0.1', '1.2.3', '01.2.3.4', '1::2::3', 'fe80::g', '1:2:3:4:5:6:7:8:9'])(
    '%j is not an address and is refused',
    (text) => {
      expect(refusedAddressClass(text)).toBe('invalid');
    },
  );

  test('IP literals are told apart from names to resolve', () => {
    expect([isIpLiteral('10.0.0.1'), isIpLiteral('[::1]'), isIpLiteral('hooks.example.com')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
