import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeNdp } from './decode.js';
import { encodeNdp, ndpEncodingLength } from './encode.js';
import { ndpMessage } from './testing.js';

const message = ndpMessage();

describe('Router Solicitation and Advertisement round trip', () => {
  test.prop([message], { numRuns: 400 })('decoding an encoded message gives back the same message, typed and raw options alike', (m) => {
    expect(decodeNdp(encodeNdp(m))).toStrictEqual(m);
  });

  test.prop([message], { numRuns: 300 })('the encoded length is what ndpEncodingLength predicts', (m) => {
    expect(encodeNdp(m).length).toBe(ndpEncodingLength(m));
  });

  test.prop([message], { numRuns: 300 })('re-encoding a decoded message gives the same bytes', (m) => {
    const bytes = encodeNdp(m);
    expect(encodeNdp(decodeNdp(bytes))).toEqual(bytes);
  });

  test.prop([message, fc.nat(64), fc.nat(64), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
    'writing at an offset into a dirty buffer writes the same bytes and touches nothing outside them',
    (m, offset, slack, junk) => {
      const expected = encodeNdp(m);
      const buffer = new Uint8Array(offset + expected.length + slack).fill(junk);
      const written = encodeNdp(m, { buffer, offset });
      expect(written).toEqual(expected);
      expect(written.buffer).toBe(buffer.buffer);
      expect(written.byteOffset).toBe(offset);
      expect(buffer.subarray(0, offset).every((b) => b === junk)).toBe(true);
      expect(buffer.subarray(offset + expected.length).every((b) => b === junk)).toBe(true);
    },
  );

  test.prop([message], { numRuns: 200 })('a Node Buffer decodes like the Uint8Array it wraps, and the decoded values do not share its memory', (m) => {
    const bytes = encodeNdp(m);
    const copy = Buffer.alloc(bytes.length + 8);
    copy.set(bytes, 4);
    const decoded = decodeNdp(copy.subarray(4, 4 + bytes.length));
    copy.fill(0xa5);
    expect(decoded).toStrictEqual(m);
  });
});
