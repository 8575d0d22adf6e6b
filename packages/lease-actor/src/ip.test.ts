import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatIp, ipToUint, parseIp } from './ip.js';

describe('private IPv4 helpers', () => {
  test.prop([fc.nat({ max: 0xffffffff })])('formatting then parsing any uint32 gives it back', (n) => {
    expect(parseIp(formatIp(n))).toBe(n);
  });

  test('a dotted quad parses to its big-endian value', () => {
    expect(ipToUint('10.0.1.2')).toBe(10 * 2 ** 24 + 1 * 256 + 2);
    expect(ipToUint('255.255.255.255')).toBe(0xffffffff);
  });

  test('malformed text is refused rather than guessed at', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', ' 1.2.3.4']) {
      expect(parseIp(bad)).toBeUndefined();
    }
    expect(() => ipToUint('1.2.3')).toThrow(RangeError);
  });
});
