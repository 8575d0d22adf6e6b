import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { readUtf8, utf8Length, writeUtf8 } from './utf8.js';

describe('the status message UTF-8 helpers', () => {
  // 'binary' strings include lone surrogates, which TextEncoder writes as U+FFFD.
  test.prop([fc.string({ unit: 'binary', maxLength: 60 }), fc.nat(8)], { numRuns: 2000 })(
    'utf8Length and writeUtf8 give what TextEncoder gives, at any offset',
    (text, offset) => {
      const expected = new TextEncoder().encode(text);
      expect(utf8Length(text)).toBe(expected.length);
      const out = new Uint8Array(offset + expected.length);
      expect(writeUtf8(text, out, offset)).toBe(offset + expected.length);
      expect(out.subarray(offset)).toEqual(expected);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 60 })], { numRuns: 2000 })('readUtf8 reads what a fatal TextDecoder reads, and refuses what it refuses', (bytes) => {
    let expected: string | undefined;
    try {
      expected = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      expected = undefined;
    }
    if (expected === undefined) expect(() => readUtf8(bytes, 0, bytes.length)).toThrow(TypeError);
    else expect(readUtf8(bytes, 0, bytes.length)).toBe(expected);
  });
});
