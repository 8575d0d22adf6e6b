import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { cidr } from './cidr.js';
import { InvalidRangeError } from './errors.js';
import {
  cidrHostRange,
  formatIpv4Range,
  ipv4Range,
  iterateIpv4,
  parseIpv4Range,
  rangeContains,
  rangeSize,
  rangesOverlap,
} from './range.js';

const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
const range = fc.tuple(ipv4, ipv4).map(([a, b]) => ipv4Range(Math.min(a, b), Math.max(a, b)));
const smallRange = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff - 300 }), fc.nat(300))
  .map(([first, n]) => ipv4Range(first, first + n));

describe('IPv4 ranges', () => {
  test.prop([smallRange])('iterating a range yields size ascending consecutive addresses from first to last', (r) => {
    const all = [...iterateIpv4(r)];
    expect(all.length).toBe(rangeSize(r));
    expect(all[0]).toBe(r.first);
    expect(all.at(-1)).toBe(r.last);
    expect(all.every((a, i) => i === 0 || a === all[i - 1]! + 1)).toBe(true);
  });

  test('iterating the top of the address space stops at 255.255.255.255', () => {
    expect([...iterateIpv4(parseIpv4Range('255.255.255.254-255.255.255.255'))]).toEqual([0xfffffffe, 0xffffffff]);
  });

  test.prop([range, ipv4])('an address is in a range exactly when it is between first and last', (r, a) => {
    expect(rangeContains(r, a)).toBe(a >= r.first && a <= r.last);
  });

  test.prop([range, range])('two ranges overlap exactly when one contains an end of the other', (a, b) => {
    expect(rangesOverlap(a, b)).toBe(
      rangeContains(a, b.first) || rangeContains(a, b.last) || rangeContains(b, a.first) || rangeContains(b, a.last),
    );
  });

  test.prop([range])('a formatted range parses back to itself', (r) => {
    expect(parseIpv4Range(formatIpv4Range(r))).toEqual(r);
  });

  test.prop([ipv4, fc.integer({ min: 0, max: 30 })])('the host range of a block has two fewer addresses than the block', (a, p) => {
    expect(rangeSize(cidrHostRange(cidr(a, p)))).toBe(2 ** (32 - p) - 2);
  });

  test('a range whose first address is after its last is refused', () => {
    expect(() => parseIpv4Range('198.18.0.9-198.18.0.1')).toThrow(InvalidRangeError);
    expect(() => parseIpv4Range('198.18.0.1')).toThrow(InvalidRangeError);
  });
});
