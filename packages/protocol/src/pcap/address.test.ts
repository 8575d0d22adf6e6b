import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ipv4Text, ipv6Text } from './address.js';

const groupsToBytes = (groups: number[]) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));

describe('ipv6Text', () => {
  test('it writes the RFC 5952 examples in their canonical form', () => {
    expect(ipv6Text(groupsToBytes([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), 0)).toBe('2001:db8::1');
    // 4.2.2: one zero group is not shortened.
    expect(ipv6Text(groupsToBytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 0)).toBe('2001:db8:0:1:1:1:1:1');
    // 4.2.3: the first of two equal runs is shortened.
    expect(ipv6Text(groupsToBytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6Text(new Uint8Array(16), 0)).toBe('::');
    expect(ipv6Text(groupsToBytes([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe('fe80::');
  });

  // The WHATWG URL host serializer implements the same RFC 5952 rules: an independent oracle.
  test.prop([fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })])(
    'it agrees with the URL standard’s serialization of the same address',
    (groups) => {
      const full = groups.map((g) => g.toString(16)).join(':');
      expect(`[${ipv6Text(groupsToBytes(groups), 0)}]`).toBe(new URL(`http://[${full}]/`).hostname);
    },
  );
});

describe('ipv4Text', () => {
  test.prop([fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.integer({ min: 0, max: 2 })])(
    'it writes the four bytes at the offset as a dotted quad',
    (bytes, offset) => {
      expect(ipv4Text(bytes, offset).split('.').map(Number)).toEqual(Array.from(bytes.subarray(offset, offset + 4)));
    },
  );
});
