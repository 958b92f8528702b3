/**
 * Which IP addresses Tongbao may send a merchant's webhook to. A merchant chooses the URL, so
 * without this rule a test key could make the worker reach the cloud's metadata service, Kratos'
 * admin port or anything else on the gateway's own network (blind SSRF).
 *
 * Pure: no Node built-ins, so the API (at registration) and the activities (at connect time) share it.
 */

/** Why an address is refused; null (from `refusedAddressClass`) means it is a public unicast address. */
export type RefusedAddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'unique_local'
  | 'multicast'
  | 'reserved'
  | 'invalid';

type Ipv4 = [number, number, number, number];

function parseIpv4(text: string): Ipv4 | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => (/^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : NaN));
  return octets.every((octet) => octet >= 0 && octet <= 255) ? (octets as Ipv4) : null;
}

/** Eight 16-bit groups, or null when `text` is not an IPv6 address (a zone id, `%eth0`, is ignored). */
function parseIpv6(text: string): number[] | null {
  const address = text.replace(/%.*$/, '');
  if (!address.includes(':')) return null;
  let tail: number[] = [];
  let head = address;
  // A dotted quad may end the address (`::ffff:10.0.0.1`).
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(address.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = address.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const parse = (group: string) => (/^[0-9a-f]{1,4}$/i.test(group) ? parseInt(group, 16) : NaN);
  const left = groups(halves[0]).map(parse);
  const right = halves.length === 2 ? groups(halves[1]).map(parse) : [];
  const known = left.length + right.length + tail.length;
  if ([...left, ...right].some(Number.isNaN)) return null;
  if (halves.length === 1 && known !== 8) return null;
  if (halves.length === 2 && known > 7) return null;
  return [...left, ...new Array(8 - known).fill(0), ...right, ...tail];
}

function ipv4Class([a, b, c]: Ipv4): RefusedAddressClass | null {
  if (a === 0) return 'unspecified'; // 0.0.0.0/8, "this network"
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link_local';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  if (a >= 224 && a <= 239) return 'multicast';
  // 240/4 (reserved, and the broadcast address), 192.0.0/24 (IETF protocol assignments), 198.18/15 (benchmarking).
  if (a >= 240 || (a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19))) return 'reserved';
  return null;
}

function embeddedIpv4(groups: number[]): Ipv4 {
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff];
}

function ipv6Class(groups: number[]): RefusedAddressClass | null {
  const zeroUpTo = (n: number) => groups.slice(0, n).every((group) => group === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && groups[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 address they carry.
  if (zeroUpTo(5) && groups[5] === 0xffff) return ipv4Class(embeddedIpv4(groups));
  if (zeroUpTo(6)) return ipv4Class(embeddedIpv4(groups));
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it carries, too.
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return ipv4Class(embeddedIpv4(groups));
  }
  if ((groups[0] & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((groups[0] & 0xffc0) === 0xfec0) return 'private'; // fec0::/10, the deprecated site-local range
  if ((groups[0] & 0xfe00) === 0xfc00) return 'unique_local'; // fc00::/7
  if ((groups[0] & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  return null;
}

/**
 * Why a webhook may not be sent to `address` (an IPv4 or IPv6 literal, brackets allowed), or null
 * when it is a public address. Anything that is not an address is `invalid`.
 */
export function refusedAddressClass(address: string): RefusedAddressClass | null {
  const text = address.replace(/^\[|\]$/g, '');
  const v4 = parseIpv4(text);
  if (v4) return ipv4Class(v4);
  const v6 = parseIpv6(text);
  if (v6) return ipv6Class(v6);
  return 'invalid';
}

/** True when `host` (a URL's hostname) is an IP literal rather than a name to resolve. */
export function isIpLiteral(host: string): boolean {
  const text = host.replace(/^\[|\]$/g, '');
  return parseIpv4(text) !== null || parseIpv6(text) !== null;
}
