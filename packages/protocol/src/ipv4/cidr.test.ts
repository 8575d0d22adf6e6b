import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatIpv4, parseIpv4 } from './address.js';
import {
  cidr,
  cidrBroadcast,
  cidrContains,
  cidrContainsCidr,
  cidrFirstHost,
  cidrHostCount,
  cidrLastHost,
  cidrMask,
  cidrNetwork,
  cidrOverlaps,
  cidrSize,
  compareCidr,
  formatCidr,
  isNetmask,
  maskToPrefix,
  parseCidr,
  prefixToMask,
} from './cidr.js';
import { InvalidCidrError, InvalidPrefixError } from './errors.js';

const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
const prefix = fc.integer({ min: 0, max: 32 });
const block = fc.tuple(ipv4, prefix).map(([a, p]) => cidr(a, p));

describe('CIDR math', () => {
  test.prop([prefix])('a prefix turned into a mask and back is the same prefix, and the mask has that many one bits', (p) => {
    const mask = prefixToMask(p);
    expect(maskToPrefix(mask)).toBe(p);
    expect(mask.toString(2).replace(/0/g, '').length).toBe(p);
    expect(isNetmask(mask)).toBe(true);
  });

  test.prop([ipv4])('a mask is accepted exactly when its binary form is ones followed by zeros', (mask) => {
    const contiguous = /^1*0*$/.test(mask.toString(2).padStart(32, '0'));
    expect(isNetmask(mask)).toBe(contiguous);
    if (contiguous) expect(prefixToMask(maskToPrefix(mask))).toBe(mask);
    else expect(() => maskToPrefix(mask)).toThrow(InvalidPrefixError);
  });

  test.prop([block, ipv4])('an address is in a block exactly when it lies between the network and broadcast addresses', (b, a) => {
    expect(cidrContains(b, a)).toBe(a >= cidrNetwork(b) && a <= cidrBroadcast(b));
  });

  test.prop([block])('the block spans size addresses from network to broadcast, and hosts lie inside it', (b) => {
    expect(cidrBroadcast(b) - cidrNetwork(b) + 1).toBe(cidrSize(b));
    expect(cidrLastHost(b) - cidrFirstHost(b) + 1).toBe(cidrHostCount(b));
    expect(cidrContains(b, cidrFirstHost(b))).toBe(true);
    expect(cidrContains(b, cidrLastHost(b))).toBe(true);
    expect(cidrNetwork(b) & ~cidrMask(b)).toBe(0);
  });

  test.prop([block, block])('overlap is symmetric and means that one block contains the other', (a, b) => {
    expect(cidrOverlaps(a, b)).toBe(cidrOverlaps(b, a));
    expect(cidrOverlaps(a, b)).toBe(cidrContainsCidr(a, b) || cidrContainsCidr(b, a));
    const intersect = Math.max(cidrNetwork(a), cidrNetwork(b)) <= Math.min(cidrBroadcast(a), cidrBroadcast(b));
    expect(cidrOverlaps(a, b)).toBe(intersect);
  });

  test.prop([fc.array(block, { maxLength: 20 })])('sorting blocks with compareCidr orders them by network, wider first', (list) => {
    const sorted = [...list].sort(compareCidr);
    for (let i = 1; i < sorted.length; i++) {
      const [x, y] = [sorted[i - 1]!, sorted[i]!];
      expect(cidrNetwork(x) < cidrNetwork(y) || (cidrNetwork(x) === cidrNetwork(y) && x.prefix <= y.prefix)).toBe(true);
    }
  });

  test.prop([block])('a formatted block parses back to itself', (b) => {
    expect(parseCidr(formatCidr(b))).toEqual(b);
  });

  test.prop([ipv4, fc.integer({ min: 0, max: 31 })])(
    'host bits are refused unless asked for, and then the address is kept as written',
    (a, p) => {
      fc.pre((a & ~prefixToMask(p)) !== 0);
      const text = `${formatIpv4(a)}/${p}`;
      expect(() => parseCidr(text)).toThrow(InvalidCidrError);
      expect(() => parseCidr(text)).toThrow(/host bits are set/);
      expect(parseCidr(text, { allowHostBits: true })).toEqual({ address: a, prefix: p });
    },
  );

  test.prop([fc.constantFrom('198.18.0.0', '198.18.0.0/', '198.18.0.0/33', '198.18.0.0/015', '198.18.0/15', '198.18.0.0/-1', '198.18.0.0/15/15', ' 198.18.0.0/15')])(
    'malformed CIDR text is refused with InvalidCidrError',
    (text) => {
      expect(() => parseCidr(text)).toThrow(InvalidCidrError);
    },
  );

  test('the usable hosts of /24, /31 and /32 follow RFC 3021 for point-to-point links', () => {
    const b24 = parseCidr('198.18.2.0/24');
    expect([formatIpv4(cidrFirstHost(b24)), formatIpv4(cidrLastHost(b24)), formatIpv4(cidrBroadcast(b24))]).toEqual([
      '198.18.2.1',
      '198.18.2.254',
      '198.18.2.255',
    ]);
    const b31 = parseCidr('198.18.2.4/31');
    expect([cidrFirstHost(b31), cidrLastHost(b31)]).toEqual([parseIpv4('198.18.2.4'), parseIpv4('198.18.2.5')]);
    const b32 = parseCidr('198.18.2.9/32');
    expect([cidrFirstHost(b32), cidrLastHost(b32), cidrHostCount(b32)]).toEqual([parseIpv4('198.18.2.9'), parseIpv4('198.18.2.9'), 1]);
    expect(cidrSize(parseCidr('0.0.0.0/0'))).toBe(2 ** 32);
  });

  test.prop([fc.oneof(fc.integer({ min: -5, max: -1 }), fc.integer({ min: 33, max: 99 }), fc.constant(1.5))])(
    'a prefix length outside 0..32 is refused with InvalidPrefixError',
    (p) => {
      expect(() => prefixToMask(p)).toThrow(InvalidPrefixError);
    },
  );
});
