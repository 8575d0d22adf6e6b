import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeTftp, encodeTftp, tftpEncodingLength } from './codec.js';
import { tftpPacket } from './testing.js';

const packet = tftpPacket();

describe('TFTP round trip', () => {
  test.prop([packet], { numRuns: 500 })('decoding an encoded packet gives back the same packet', (p) => {
    expect(decodeTftp(encodeTftp(p))).toStrictEqual(p);
  });

  test.prop([packet], { numRuns: 300 })('the encoded length is what tftpEncodingLength predicts', (p) => {
    expect(encodeTftp(p).length).toBe(tftpEncodingLength(p));
  });

  test.prop([packet], { numRuns: 300 })('re-encoding a decoded packet gives the same bytes', (p) => {
    const bytes = encodeTftp(p);
    expect(encodeTftp(decodeTftp(bytes))).toEqual(bytes);
  });

  test.prop([packet, fc.nat(64), fc.nat(64), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
    'writing at an offset into a dirty buffer writes the same bytes and touches nothing outside them',
    (p, offset, slack, junk) => {
      const expected = encodeTftp(p);
      const buffer = new Uint8Array(offset + expected.length + slack).fill(junk);
      const written = encodeTftp(p, { buffer, offset });
      expect(written).toEqual(expected);
      expect(written.buffer).toBe(buffer.buffer);
      expect(written.byteOffset).toBe(offset);
      expect(buffer.subarray(0, offset).every((b) => b === junk)).toBe(true);
      expect(buffer.subarray(offset + expected.length).every((b) => b === junk)).toBe(true);
    },
  );

  test.prop([packet], { numRuns: 200 })('a Node Buffer decodes like the Uint8Array it wraps', (p) => {
    const bytes = encodeTftp(p);
    const copy = Buffer.alloc(bytes.length + 8);
    copy.set(bytes, 4);
    expect(decodeTftp(copy.subarray(4, 4 + bytes.length))).toStrictEqual(p);
  });
});
