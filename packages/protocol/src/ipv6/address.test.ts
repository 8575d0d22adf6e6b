import { isIPv6 } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IPV6_MAX, canonicalIpv6, compareIpv6, formatIpv6, ipv6ToBytes, parseIpv6, tryParseIpv6 } from './address.js';
import { InvalidIpv6Error } from './errors.js';

const ipv6 = fc.bigInt({ min: 0n, max: IPV6_MAX });
/** Addresses with long zero runs, where `::` placement matters. */
const sparse = fc.array(fc.constantFrom(0, 0, 0, 1, 0xdb8, 0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n));

describe('IPv6 addresses', () => {
  test.prop([fc.oneof(ipv6, sparse)])('formatting then parsing gives back the same number', (a) => {
    expect(parseIpv6(formatIpv6(a))).toBe(a);
  });

  test.prop([fc.oneof(ipv6, sparse)])('the format is RFC 5952: lower case, no leading zeros, at most one ::, never for a single zero group', (a) => {
    const text = formatIpv6(a);
    expect(text).toBe(text.toLowerCase());
    expect(text.split('::').length).toBeLessThanOrEqual(2);
    for (const group of text.split(/::?/).filter((g) => g !== '')) expect(group).toMatch(/^(?:0|[1-9a-f][0-9a-f]{0,3})$/);
    if (text.includes('::')) expect(text.split(':').filter((g) => g !== '').length).toBeLessThanOrEqual(6);
  });

  test.prop([fc.oneof(ipv6, sparse)])('parsing the fully written form (eight groups, leading zeros) gives the same number', (a) => {
    const full = Array.from({ length: 8 }, (_, i) => ((a >> BigInt(112 - 16 * i)) & 0xffffn).toString(16).padStart(4, '0').toUpperCase()).join(':');
    expect(tryParseIpv6(full)).toBe(a);
  });

  test.prop([fc.string({ unit: fc.constantFrom('0', '1', 'a', 'F', 'g', ':', '.', '%', ' '), maxLength: 45 })], { numRuns: 5000 })(
    "text is accepted exactly when Node's isIPv6 accepts it (no zones)",
    (text) => {
      expect(tryParseIpv6(text) !== undefined).toBe(isIPv6(text) && !text.includes('%'));
    },
  );

  test('examples: RFC 5952 shortening picks the longest, then the first, zero run', () => {
    expect(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(parseIpv6('2001:0:0:1:0:0:0:1'))).toBe('2001:0:0:1::1');
    expect(formatIpv6(0n)).toBe('::');
    expect(formatIpv6(1n)).toBe('::1');
    expect(formatIpv6(parseIpv6('::ffff:198.18.0.1'))).toBe('::ffff:c612:1');
    expect(canonicalIpv6('2001:DB8::0001')).toBe('2001:db8::1');
    expect(canonicalIpv6('198.18.0.1')).toBeUndefined();
  });

  test('bad text is an InvalidIpv6Error naming it', () => {
    for (const bad of ['', ':', '1:::2', '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '::198.18.0.256', 'fe80::1%eth0', '[::1]']) {
      expect(() => parseIpv6(bad), bad).toThrow(InvalidIpv6Error);
    }
  });

  test.prop([ipv6, ipv6])('compare orders like the numbers', (a, b) => {
    expect(Math.sign(compareIpv6(a, b))).toBe(a < b ? -1 : a > b ? 1 : 0);
  });

  test.prop([ipv6])('the sixteen bytes read back big-endian give the number', (a) => {
    expect(ipv6ToBytes(a).reduce((v, byte) => (v << 8n) | BigInt(byte), 0n)).toBe(a);
  });
});
