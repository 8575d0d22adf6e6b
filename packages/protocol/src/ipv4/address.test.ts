import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { compareIpv4, formatIpv4, ipv4ToBytes, isIpv4, parseIpv4, readIpv4, tryParseIpv4, writeIpv4 } from './address.js';
import { InvalidIpv4Error } from './errors.js';

const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));

/** An independent reading of the same grammar, by splitting and regexes. */
function reference(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

describe('IPv4 addresses', () => {
  test.prop([ipv4])('formatting then parsing gives back the same number', (a) => {
    expect(parseIpv4(formatIpv4(a))).toBe(a);
  });

  test.prop([octets])('parsing dotted octets gives the big-endian number of those octets', ([a, b, c, d]) => {
    expect(parseIpv4(`${a}.${b}.${c}.${d}`)).toBe(a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d);
  });

  test.prop([fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', ' ', 'x', '-'), maxLength: 18 })], { numRuns: 3000 })(
    'the parser accepts exactly the strings a split-and-regex reading accepts, with the same value',
    (text) => {
      expect(tryParseIpv4(text)).toBe(reference(text));
    },
  );

  test.prop([fc.constantFrom('01.2.3.4', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.4 ', '', '1..2.3', '0x1.2.3.4', '1.2.3.-4')])(
    'malformed text is refused with InvalidIpv4Error naming the text',
    (text) => {
      expect(() => parseIpv4(text)).toThrow(InvalidIpv4Error);
      expect(() => parseIpv4(text)).toThrow(JSON.stringify(text));
    },
  );

  test.prop([ipv4, fc.nat(8)])('writing four bytes then reading them gives back the address', (a, offset) => {
    const bytes = new Uint8Array(12);
    writeIpv4(bytes, offset, a);
    expect(readIpv4(bytes, offset)).toBe(a);
    expect(Array.from(ipv4ToBytes(a))).toEqual(formatIpv4(a).split('.').map(Number));
  });

  test.prop([fc.array(ipv4)])('sorting with compareIpv4 orders addresses by their octets', (list) => {
    const sorted = [...list].sort(compareIpv4);
    const byOctets = [...list].sort((x, y) => {
      const a = Array.from(ipv4ToBytes(x));
      const b = Array.from(ipv4ToBytes(y));
      const i = a.findIndex((v, k) => v !== b[k]);
      return i < 0 ? 0 : a[i]! - b[i]!;
    });
    expect(sorted).toEqual(byOctets);
  });

  test.prop([fc.oneof(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }))])(
    'isIpv4 holds exactly for integers in 0..2^32-1',
    (n) => {
      expect(isIpv4(n)).toBe(Number.isInteger(n) && n >= 0 && n < 2 ** 32);
    },
  );
});
