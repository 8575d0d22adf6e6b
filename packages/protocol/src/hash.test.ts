import { describe, expect, test } from 'vitest';
import { FNV_OFFSET, fmix32, fnv1a } from './hash.js';

describe('hashes', () => {
  test('FNV-1a gives the published 32-bit values', () => {
    expect(fnv1a(FNV_OFFSET, '') >>> 0).toBe(0x811c9dc5);
    expect(fnv1a(FNV_OFFSET, 'a') >>> 0).toBe(0xe40c292c);
    expect(fnv1a(FNV_OFFSET, 'foobar') >>> 0).toBe(0xbf9cf968);
  });

  test("murmur3's finaliser maps 0 to 0, is unsigned, and spreads neighbours", () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(-1)).toBeGreaterThanOrEqual(0);
    expect(new Set(Array.from({ length: 1000 }, (_, i) => fmix32(i) >>> 22)).size).toBeGreaterThan(500);
  });
});
