import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IPV6_MAX, formatIpv6, parseIpv6 } from './address.js';
import { InvalidIpv6PrefixError } from './errors.js';
import { formatIpv6Prefix, ipv6PrefixContains, ipv6PrefixLast, ipv6PrefixesOverlap, parseIpv6Prefix, type Ipv6Prefix } from './prefix.js';

const ipv6 = fc.bigInt({ min: 0n, max: IPV6_MAX });
/** Any prefix: a random address with its host bits cleared by a non-strict parse. */
const block = fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([a, p]): Ipv6Prefix => parseIpv6Prefix(`${formatIpv6(a)}/${p}`, { strict: false }));

describe('IPv6 prefixes', () => {
  test.prop([block])('format then strict parse gives back the same prefix', (b) => {
    expect(parseIpv6Prefix(formatIpv6Prefix(b))).toStrictEqual(b);
  });

  test.prop([block])('a prefix holds 2^(128-len) addresses, from its address to its last', (b) => {
    expect(ipv6PrefixLast(b) - b.address + 1n).toBe(1n << BigInt(128 - b.prefix));
    expect(ipv6PrefixContains(b, b.address) && ipv6PrefixContains(b, ipv6PrefixLast(b))).toBe(true);
  });

  test.prop([block, ipv6])('an address is inside exactly when it lies between the first and the last', (b, ip) => {
    expect(ipv6PrefixContains(b, ip)).toBe(ip >= b.address && ip <= ipv6PrefixLast(b));
  });

  test.prop([block, block])('two prefixes overlap exactly when their ranges intersect', (a, b) => {
    expect(ipv6PrefixesOverlap(a, b)).toBe(a.address <= ipv6PrefixLast(b) && b.address <= ipv6PrefixLast(a));
  });

  test('host bits are refused when strict and cleared otherwise; bad lengths are refused', () => {
    expect(() => parseIpv6Prefix('2001:db8::1/64')).toThrow(InvalidIpv6PrefixError);
    expect(formatIpv6Prefix(parseIpv6Prefix('2001:db8::1/64', { strict: false }))).toBe('2001:db8::/64');
    for (const bad of ['2001:db8::/129', '2001:db8::/064', '2001:db8::', '2001:db8::/', 'x/64', '198.18.0.0/24']) {
      expect(() => parseIpv6Prefix(bad), bad).toThrow(InvalidIpv6PrefixError);
    }
    expect(parseIpv6Prefix('2001:db8:1::/64')).toStrictEqual({ address: parseIpv6('2001:db8:1::'), prefix: 64 });
  });
});
