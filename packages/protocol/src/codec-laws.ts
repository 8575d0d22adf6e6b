/**
 * The round-trip laws every message codec of this package keeps, stated
 * once for the codecs whose messages and options have one layout per
 * meaning (DHCPv6, Router Solicitation/Advertisement): decode ∘ encode is
 * the identity, the predicted length is the length, re-encoding a decoded
 * message gives its bytes, writing into a caller's buffer touches nothing
 * else, and a decoded message shares no memory with the bytes it came from.
 * For the codecs' tests (`*.test.ts`), never the package's exports.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

export interface RoundTripCodec<M> {
  readonly encode: (message: M, into?: { buffer: Uint8Array; offset: number }) => Uint8Array;
  readonly decode: (bytes: Uint8Array) => M;
  readonly encodingLength: (message: M) => number;
  /** The length function's name, as the law's title says it. */
  readonly encodingLengthName: string;
}

export function describeRoundTrip<M>(title: string, message: fc.Arbitrary<M>, codec: RoundTripCodec<M>): void {
  const { encode, decode, encodingLength, encodingLengthName } = codec;
  describe(title, () => {
    test.prop([message], { numRuns: 400 })('decoding an encoded message gives back the same message, typed and raw options alike', (m) => {
      expect(decode(encode(m))).toStrictEqual(m);
    });

    test.prop([message], { numRuns: 300 })(`the encoded length is what ${encodingLengthName} predicts`, (m) => {
      expect(encode(m).length).toBe(encodingLength(m));
    });

    test.prop([message], { numRuns: 300 })('re-encoding a decoded message gives the same bytes', (m) => {
      const bytes = encode(m);
      expect(encode(decode(bytes))).toEqual(bytes);
    });

    test.prop([message, fc.nat(64), fc.nat(64), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
      'writing at an offset into a dirty buffer writes the same bytes and touches nothing outside them',
      (m, offset, slack, junk) => {
        const expected = encode(m);
        const buffer = new Uint8Array(offset + expected.length + slack).fill(junk);
        const written = encode(m, { buffer, offset });
        expect(written).toEqual(expected);
        expect(written.buffer).toBe(buffer.buffer);
        expect(written.byteOffset).toBe(offset);
        expect(buffer.subarray(0, offset).every((b) => b === junk)).toBe(true);
        expect(buffer.subarray(offset + expected.length).every((b) => b === junk)).toBe(true);
      },
    );

    test.prop([message], { numRuns: 200 })('a Node Buffer decodes like the Uint8Array it wraps, and the decoded values do not share its memory', (m) => {
      const bytes = encode(m);
      const copy = Buffer.alloc(bytes.length + 8);
      copy.set(bytes, 4);
      const decoded = decode(copy.subarray(4, 4 + bytes.length));
      copy.fill(0xa5);
      expect(decoded).toStrictEqual(m);
    });
  });
}
