import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDhcp } from './decode.js';
import { dhcpEncodingLength, encodeDhcp } from './encode.js';
import { dhcpMessage } from './testing.js';

const message = dhcpMessage();

describe('DHCPv4 round trip', () => {
  test.prop([message], { numRuns: 400 })('decoding an encoded message gives back the same message', (m) => {
    expect(decodeDhcp(encodeDhcp(m))).toStrictEqual(m);
  });

  test.prop([message], { numRuns: 300 })('the encoded length is what dhcpEncodingLength predicts, at least 300 bytes', (m) => {
    const bytes = encodeDhcp(m);
    expect(bytes.length).toBe(dhcpEncodingLength(m));
    expect(bytes.length).toBeGreaterThanOrEqual(300);
  });

  test.prop([message], { numRuns: 300 })('re-encoding a decoded message gives the same bytes', (m) => {
    const bytes = encodeDhcp(m);
    expect(encodeDhcp(decodeDhcp(bytes))).toEqual(bytes);
  });

  test.prop([message, fc.nat(64), fc.nat(64), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
    'writing at an offset into a dirty buffer writes the same bytes and touches nothing outside them',
    (m, offset, slack, junk) => {
      const expected = encodeDhcp(m);
      const buffer = new Uint8Array(offset + expected.length + slack).fill(junk);
      const written = encodeDhcp(m, { buffer, offset });
      expect(written).toEqual(expected);
      expect(written.buffer).toBe(buffer.buffer);
      expect(written.byteOffset).toBe(offset);
      expect(buffer.subarray(0, offset).every((b) => b === junk)).toBe(true);
      expect(buffer.subarray(offset + expected.length).every((b) => b === junk)).toBe(true);
    },
  );

  test.prop([message, fc.integer({ min: 240, max: 1500 })], { numRuns: 200 })(
    'a padding length recorded by the decoder survives a round trip',
    (m, length) => {
      const natural = encodeDhcp(m, { minSize: 0 }).length;
      fc.pre(length >= natural && length !== Math.max(300, natural));
      const bytes = encodeDhcp({ ...m, length });
      expect(bytes.length).toBe(length);
      expect(decodeDhcp(bytes)).toStrictEqual({ ...m, length });
    },
  );

  test.prop([message], { numRuns: 200 })('a Node Buffer decodes like the Uint8Array it wraps', (m) => {
    const bytes = encodeDhcp(m);
    const copy = Buffer.alloc(bytes.length + 8);
    copy.set(bytes, 4);
    expect(decodeDhcp(copy.subarray(4, 4 + bytes.length))).toStrictEqual(m);
  });
});
